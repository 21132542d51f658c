using GroveMoE.Cpu.Conversion.SafeTensors;

namespace GroveMoE.Cpu.Fuzz.Targets;

/// <summary>A safetensors file: header checks, then every float tensor converted to f32 from the mapping.</summary>
public sealed class SafeTensorsTarget(string scratch) : FuzzTarget
{
    private readonly string _path = Path.Combine(scratch, "fuzz.safetensors");
    private IReadOnlyList<byte[]>? _seeds;

    public override string Name => "safetensors";

    public override IReadOnlyList<byte[]> Seeds => _seeds ??= [Write(FirstShard), Write(SecondShard)];

    public override int InterestingPrefix(byte[] seed) => 8 + (int)BitConverter.ToUInt64(seed, 0);

    public override bool IsJson => true;

    public override bool IsDocumented(Exception e) => e is SafeTensorsFormatException;

    public override void Run(ReadOnlySpan<byte> input)
    {
        File.WriteAllBytes(_path, input);
        using var file = SafeTensorsFile.Open(_path);
        ReadAll(file);
    }

    internal static void ReadAll(SafeTensorsFile file)
    {
        foreach (var tensor in file.Tensors)
        {
            if (!SafeTensorsDTypes.IsConvertible(tensor.DType)) continue;
            var values = new float[tensor.ElementCount];
            file.ReadFloats(tensor, 0, values);
        }
    }

    internal static readonly (string Name, SafeTensorsDType DType, long[] Shape)[] FirstShard =
        [("model.a", SafeTensorsDType.BF16, [4, 8]), ("model.b", SafeTensorsDType.F16, [3]), ("model.empty", SafeTensorsDType.F32, [0, 4])];

    internal static readonly (string Name, SafeTensorsDType DType, long[] Shape)[] SecondShard =
        [("model.c", SafeTensorsDType.F32, [2, 2]), ("model.ids", SafeTensorsDType.I64, [2])];

    internal static byte[] Write((string Name, SafeTensorsDType DType, long[] Shape)[] tensors)
    {
        var stream = new MemoryStream();
        using (var writer = new SafeTensorsWriter(stream, tensors, new Dictionary<string, string> { ["format"] = "pt" }))
        {
            byte value = 1;
            while (writer.Next is { } next)
            {
                var data = new byte[next.ByteLength];
                foreach (ref byte b in data.AsSpan()) b = value++;
                writer.WriteTensorData(data);
            }
            writer.Finish();
        }
        return stream.ToArray();
    }
}
