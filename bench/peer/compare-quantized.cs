#:project ../../src/GroveMoE.Cpu/GroveMoE.Cpu.csproj
// Two quantizations of the same model (e.g. llama-quantize's and grove-quantize's of one F32 file): which tensors got
// different types, and how many of the tensors with the same type hold identical bytes.
// usage: dotnet run bench/peer/compare-quantized.cs -- A.gguf B.gguf
using GroveMoE.Cpu.Gguf;

if (args.Length != 2)
{
    Console.Error.WriteLine("usage: compare-quantized.cs A.gguf B.gguf");
    return 1;
}
using var a = GgufFile.Open(args[0]);
using var b = GgufFile.Open(args[1]);
int sameType = 0, sameBytes = 0, differentType = 0;
foreach (var info in a.TensorInfos)
{
    var other = b.TryTensor(info.Name);
    if (other is null)
    {
        Console.WriteLine($"  {info.Name}: only in {Path.GetFileName(args[0])}");
        continue;
    }
    if (other.Type != info.Type)
    {
        differentType++;
        Console.WriteLine($"  {info.Name}: {info.Type} vs {other.Type}");
        continue;
    }
    sameType++;
    bool identical = a.Tensor(info.Name).Bytes.SequenceEqual(other.Bytes); // tensors under 2 GiB
    if (identical) sameBytes++;
    else Console.WriteLine($"  {info.Name} ({info.Type}): bytes differ");
}
Console.WriteLine($"{Path.GetFileName(args[0])} vs {Path.GetFileName(args[1])}: {a.TensorInfos.Count} tensors, {differentType} of different type, " +
    $"{sameBytes}/{sameType} of the same type byte-identical");
return differentType == 0 && sameBytes == sameType ? 0 : 2;
