#:project ../../src/GroveMoE.Cpu/GroveMoE.Cpu.csproj
// Our block codecs against ggml's own (through ggml-blocks, built from ggml-blocks.c against libggml-base):
//  - decode: random blocks (all bit patterns, finite f16 factors) and every tensor of the GGUF files given,
//    decoded by both; the floats must be bit-identical;
//  - encode: random Gaussian rows quantized by both; prints the share of identical blocks and both RMS errors.
// usage: dotnet run bench/peer/compare-blocks.cs -- GGML_BLOCKS [FILE.gguf...]
using System.Buffers.Binary;
using System.Diagnostics;
using System.Runtime.InteropServices;
using GroveMoE.Cpu.Gguf;
using GroveMoE.Cpu.Quantization;

if (args.Length < 1)
{
    Console.Error.WriteLine("usage: compare-blocks.cs GGML_BLOCKS [FILE.gguf...]");
    return 1;
}
string tool = args[0];
string work = Directory.CreateTempSubdirectory("compare-blocks").FullName;
GgmlType[] types =
[
    GgmlType.Q4_0, GgmlType.Q8_0, GgmlType.Q4_1, GgmlType.Q5_0, GgmlType.Q5_1, GgmlType.IQ4_NL,
    GgmlType.Q2_K, GgmlType.Q3_K, GgmlType.Q4_K, GgmlType.Q5_K, GgmlType.Q6_K, GgmlType.IQ4_XS,
];
int failures = 0;
var random = new Random(42);

Console.WriteLine($"{"type",-8} {"decode",-10} {"same blocks",12} {"rms ours",10} {"rms ggml",10}");
foreach (var type in types)
{
    int size = GgmlTypeInfo.BlockSize(type), blockBytes = GgmlTypeInfo.BlockBytes(type);
    int blocks = 4096 * 32 / size;
    var bytes = new byte[blocks * blockBytes];
    random.NextBytes(bytes);
    for (int b = 0; b < blocks; b++)
        foreach (int at in HalfFields(type))
            BinaryPrimitives.WriteUInt16LittleEndian(bytes.AsSpan(b * blockBytes + at), (ushort)(random.Next(0x7C00) | (random.Next(2) << 15)));
    string decode = SameDecode(type, bytes, blocks * size) ? "identical" : "DIFFERS";

    int rowLength = 4096, rows = 64;
    var x = new float[rowLength * rows];
    for (int i = 0; i < x.Length; i++)
        x[i] = (float)(0.02 * Math.Sqrt(-2 * Math.Log(1 - random.NextDouble())) * Math.Cos(2 * Math.PI * random.NextDouble()));
    for (int i = 0; i < x.Length; i += 997) x[i] *= 12; // outliers, as real weights have
    var ours = RowCodec.QuantizeMatrix(type, x, rowLength);
    File.WriteAllBytes(Path.Combine(work, "x.f32"), MemoryMarshal.AsBytes(x.AsSpan()).ToArray());
    Run("quantize", type, Path.Combine(work, "x.f32"), rowLength, Path.Combine(work, "q.bin"));
    var theirs = File.ReadAllBytes(Path.Combine(work, "q.bin"));
    int same = 0, total = ours.Length / blockBytes;
    for (int b = 0; b < total; b++)
        if (ours.AsSpan(b * blockBytes, blockBytes).SequenceEqual(theirs.AsSpan(b * blockBytes, blockBytes))) same++;
    Console.WriteLine($"{type,-8} {decode,-10} {100.0 * same / total,11:F2}% {Rms(type, x, ours),10:E3} {Rms(type, x, theirs),10:E3}");
    if (decode != "identical") failures++;
}

foreach (string path in args.Skip(1))
{
    using var file = GgufFile.Open(path);
    int checkedTensors = 0;
    foreach (var info in file.TensorInfos)
    {
        if (info.Type is GgmlType.F32 || info.ElementCount > 64L << 20) continue;
        checkedTensors++;
        if (!SameDecode(info.Type, file.Tensor(info.Name).Bytes.ToArray(), (int)info.ElementCount))
        {
            Console.WriteLine($"{Path.GetFileName(path)}: {info.Name} ({info.Type}) decodes differently");
            failures++;
        }
    }
    var kinds = file.TensorInfos.GroupBy(t => t.Type).Select(g => $"{g.Count()} {g.Key}");
    Console.WriteLine($"{Path.GetFileName(path)}: {checkedTensors} tensors decoded bit-identically? {(failures == 0 ? "yes" : "NO")} ({string.Join(", ", kinds)})");
}
Directory.Delete(work, true);
return failures == 0 ? 0 : 1;

bool SameDecode(GgmlType type, byte[] bytes, int count)
{
    File.WriteAllBytes(Path.Combine(work, "b.bin"), bytes);
    Run("dequantize", type, Path.Combine(work, "b.bin"), count, Path.Combine(work, "d.f32"));
    var theirs = MemoryMarshal.Cast<byte, uint>(File.ReadAllBytes(Path.Combine(work, "d.f32")));
    var ours = new float[count];
    RowCodec.Dequantize(type, bytes, ours);
    var bits = MemoryMarshal.Cast<float, uint>(ours);
    for (int i = 0; i < count; i++)
    {
        if (bits[i] != theirs[i] && !(float.IsNaN(ours[i]) && float.IsNaN(BitConverter.UInt32BitsToSingle(theirs[i]))))
        {
            Console.WriteLine($"  {type} element {i}: ours {ours[i]:R} ggml {BitConverter.UInt32BitsToSingle(theirs[i]):R}");
            return false;
        }
    }
    return true;
}

double Rms(GgmlType type, float[] x, byte[] q)
{
    var back = new float[x.Length];
    RowCodec.Dequantize(type, q, back);
    double sum = 0;
    for (int i = 0; i < x.Length; i++) sum += (x[i] - back[i]) * (double)(x[i] - back[i]);
    return Math.Sqrt(sum / x.Length);
}

void Run(string mode, GgmlType type, string input, long count, string output)
{
    using var process = Process.Start(tool, [mode, ((int)type).ToString(), input, count.ToString(), output]);
    process.WaitForExit();
    if (process.ExitCode != 0) throw new InvalidOperationException($"ggml-blocks {mode} {type} failed");
}

static int[] HalfFields(GgmlType type) => type switch
{
    GgmlType.Q4_1 or GgmlType.Q5_1 or GgmlType.Q4_K or GgmlType.Q5_K => [0, 2],
    GgmlType.Q2_K => [80, 82],
    GgmlType.Q3_K => [108],
    GgmlType.Q6_K => [208],
    _ => [0],
};
