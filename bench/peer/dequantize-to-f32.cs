#:project ../../src/GroveMoE.Cpu.Conversion/GroveMoE.Cpu.Conversion.csproj
// Rewrites a GGUF with every tensor dequantized to F32 (same values the quantized weights stand for).
// Evaluating it gives the logits a runtime would produce without activation quantization: the yardstick for
// how far Q8_0/Q4_0 results may drift from each other (compare-logits.sh's NOISE=1 column).
// usage: dotnet run bench/peer/dequantize-to-f32.cs -- IN.gguf OUT.gguf   (tensors under 2 GiB: tiny/small presets)
using GroveMoE.Cpu.Conversion.Gguf;
using GroveMoE.Cpu.Conversion.Synthetic;
using GroveMoE.Cpu.Gguf;
using GroveMoE.Cpu.Quantization;

if (args.Length != 2)
{
    Console.Error.WriteLine("usage: dequantize-to-f32.cs IN.gguf OUT.gguf");
    return 1;
}
using var source = GgufFile.Open(args[0]);
var layout = source.TensorInfos.Select(t => (t.Name, GgmlType.F32, t.Dimensions)).ToList();
source.Metadata.Set("general.file_type", GgufValue.Of((uint)SyntheticModelWriter.FileType(GgmlType.F32)));
using var writer = new GgufWriter(File.Create(args[1]), source.Metadata, layout);
foreach (var info in source.TensorInfos)
{
    var bytes = source.Tensor(info.Name).Bytes;
    long rowLength = info.Dimensions[0];
    long rows = info.Dimensions.Aggregate(1L, (a, b) => a * b) / rowLength;
    int rowBytes = (int)GgmlTypeInfo.RowBytes(info.Type, rowLength);
    var row = new float[rowLength];
    var output = new byte[rowLength * sizeof(float)];
    for (long r = 0; r < rows; r++)
    {
        RowCodec.Dequantize(info.Type, bytes.Slice((int)(r * rowBytes), rowBytes), row);
        Buffer.BlockCopy(row, 0, output, 0, output.Length);
        writer.WriteTensorData(output);
    }
}
writer.Finish();
return 0;
