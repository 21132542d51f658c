#:project ../../tests/GroveMoE.Cpu.Tests/GroveMoE.Cpu.Tests.csproj
// The float64 reference forward pass of the test suite (ReferenceForward: the authors' semantics on the weights the
// file holds, decoded exactly) over a token list, written as a float32 .npy of shape (tokens, vocab) — the yardstick
// compare-kquant-logits.sh holds both engines' logits against.
// usage: dotnet run bench/peer/reference-logits.cs -- MODEL.gguf 1,2,3 OUT.npy
using System.Text;
using GroveMoE.Cpu.Tests.Reference;

if (args.Length != 3)
{
    Console.Error.WriteLine("usage: reference-logits.cs MODEL.gguf 1,2,3 OUT.npy");
    return 1;
}
var tokens = args[1].Split(',').Select(int.Parse).ToArray();
var logits = ReferenceForward.Run(ReferenceModel.Load(args[0]), tokens).Logits;
int vocab = logits[0].Length;
string header = $"{{'descr': '<f4', 'fortran_order': False, 'shape': ({tokens.Length}, {vocab}), }}";
int padded = (10 + header.Length + 1 + 63) / 64 * 64 - 10; // magic, version and length take 10 bytes; data starts 64-aligned
header = header.PadRight(padded - 1) + "\n";
using var output = File.Create(args[2]);
output.Write([0x93, (byte)'N', (byte)'U', (byte)'M', (byte)'P', (byte)'Y', 1, 0]);
output.Write(BitConverter.GetBytes((ushort)header.Length));
output.Write(Encoding.ASCII.GetBytes(header));
foreach (var row in logits)
    foreach (double v in row) output.Write(BitConverter.GetBytes((float)v));
return 0;
