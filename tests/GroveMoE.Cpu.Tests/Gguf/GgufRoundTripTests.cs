using GroveMoE.Cpu.Gguf;
using GroveMoE.Cpu.Quantization;
using GroveMoE.Cpu.Tests.Model;
using GroveMoE.Cpu.Conversion.Gguf;

namespace GroveMoE.Cpu.Tests.Gguf;

/// <summary>What GgufWriter writes, GgufFile reads back unchanged: every value type, arrays, tensor infos and data.</summary>
public sealed class GgufRoundTripTests : IDisposable
{
    private readonly TempDirectory _dir = new();

    public void Dispose() => _dir.Dispose();

    public static GgufMetadata EveryValueType()
    {
        var m = new GgufMetadata();
        m.Set("u8", new(GgufValueType.UInt8, (byte)200));
        m.Set("i8", new(GgufValueType.Int8, (sbyte)-100));
        m.Set("u16", new(GgufValueType.UInt16, (ushort)60000));
        m.Set("i16", new(GgufValueType.Int16, (short)-30000));
        m.Set("u32", new(GgufValueType.UInt32, 4_000_000_000u));
        m.Set("i32", new(GgufValueType.Int32, -2_000_000_000));
        m.Set("f32", new(GgufValueType.Float32, -1.5e-7f));
        m.Set("bool.true", new(GgufValueType.Bool, true));
        m.Set("bool.false", new(GgufValueType.Bool, false));
        m.Set("string", GgufValue.Of("héllo, wörld ✓"));
        m.Set("string.empty", GgufValue.Of(""));
        m.Set("u64", new(GgufValueType.UInt64, ulong.MaxValue - 5));
        m.Set("i64", new(GgufValueType.Int64, long.MinValue + 7));
        m.Set("f64", new(GgufValueType.Float64, Math.PI));
        m.Set("array.u8", new(GgufValueType.Array, new byte[] { 0, 1, 255 }, GgufValueType.UInt8));
        m.Set("array.i8", new(GgufValueType.Array, new sbyte[] { -128, 0, 127 }, GgufValueType.Int8));
        m.Set("array.u16", new(GgufValueType.Array, new ushort[] { 1, 65535 }, GgufValueType.UInt16));
        m.Set("array.i16", new(GgufValueType.Array, new short[] { -32768, 32767 }, GgufValueType.Int16));
        m.Set("array.u32", new(GgufValueType.Array, new uint[] { 0, uint.MaxValue }, GgufValueType.UInt32));
        m.Set("array.i32", GgufValue.Of([-1, 0, int.MaxValue]));
        m.Set("array.f32", GgufValue.Of([1.25f, float.NegativeInfinity, -0f]));
        m.Set("array.bool", new(GgufValueType.Array, new[] { true, false, true }, GgufValueType.Bool));
        m.Set("array.string", GgufValue.Of(["a", "", "Ġthe", "<|im_end|>"]));
        m.Set("array.u64", new(GgufValueType.Array, new ulong[] { ulong.MaxValue }, GgufValueType.UInt64));
        m.Set("array.i64", new(GgufValueType.Array, new long[] { long.MinValue, 3 }, GgufValueType.Int64));
        m.Set("array.f64", new(GgufValueType.Array, new[] { double.Epsilon, -2.5 }, GgufValueType.Float64));
        m.Set("array.empty", GgufValue.Of(Array.Empty<int>()));
        m.Set("array.nested", new(GgufValueType.Array,
            new[] { GgufValue.Of([1, 2]), GgufValue.Of(["x"]) }, GgufValueType.Array));
        return m;
    }

    private static readonly (string Name, GgmlType Type, long[] Dimensions)[] Tensors =
    [
        ("a.f32", GgmlType.F32, [3, 5]),
        ("b.q8", GgmlType.Q8_0, [64, 3]),
        ("c.q4", GgmlType.Q4_0, [32, 2, 3]),
        ("d.f16", GgmlType.F16, [7]),
        ("e.bf16", GgmlType.BF16, [2, 3, 2, 2]),
    ];

    [Theory]
    [InlineData(null)]
    [InlineData(64u)]
    [InlineData(8u)]
    public void EveryValueTypeTensorInfoAndByteSurvives(uint? alignment)
    {
        var metadata = EveryValueType();
        if (alignment is { } a) metadata.Set("general.alignment", GgufValue.Of(a));
        var random = new Random(5);
        var data = Tensors.Select(t =>
        {
            var bytes = new byte[new GgufTensorInfo(t.Name, t.Type, t.Dimensions).ByteSize];
            random.NextBytes(bytes);
            return bytes;
        }).ToArray();
        string path = _dir.File("roundtrip.gguf");
        using (var writer = new GgufWriter(new FileStream(path, FileMode.Create), metadata, Tensors))
        {
            foreach (var bytes in data)
            {
                // Uneven chunks: the writer must accept a tensor in pieces.
                writer.WriteTensorData(bytes.AsSpan(0, bytes.Length / 3));
                writer.WriteTensorData(bytes.AsSpan(bytes.Length / 3));
            }
            writer.Finish();
        }

        using var file = GgufFile.Open(path);
        Assert.Equal(metadata.Keys, file.Metadata.Keys);
        foreach (var key in metadata.Keys) AssertSameValue(metadata[key], file.Metadata[key]);

        int align = (int)(alignment ?? 32);
        Assert.Equal(0, file.DataStart % align);
        Assert.Equal(Tensors.Length, file.TensorInfos.Count);
        for (int i = 0; i < Tensors.Length; i++)
        {
            var info = file.TensorInfos[i];
            Assert.Equal(Tensors[i].Name, info.Name);
            Assert.Equal(Tensors[i].Type, info.Type);
            Assert.Equal(Tensors[i].Dimensions, info.Dimensions);
            Assert.Equal(0, info.Offset % align);
            Assert.Equal(data[i], file.Tensor(info.Name).Bytes.ToArray());
        }
        Assert.True(file.FileSize >= file.DataStart + file.TensorInfos[^1].Offset + file.TensorInfos[^1].ByteSize);
    }

    [Fact]
    public void TypedGettersConvertAndNameTheKey()
    {
        var m = EveryValueType();
        Assert.Equal(200, m.GetInt("u8"));
        Assert.Equal(-30000, m.GetInt("i16"));
        Assert.Equal((float)Math.PI, m.GetFloat("f64"));
        Assert.Equal(60000f, m.GetFloat("u16"));
        Assert.Equal(["a", "", "Ġthe", "<|im_end|>"], m.GetArray<string>("array.string"));
        Assert.Contains("u32", Assert.Throws<GgufFormatException>(() => m.GetInt("u32")).Message);
        Assert.Contains("string", Assert.Throws<GgufFormatException>(() => m.GetInt("string")).Message);
        Assert.Contains("'absent.key'", Assert.ThrowsAny<Exception>(() => m.GetInt("absent.key")).Message);
    }

    private static void AssertSameValue(GgufValue expected, GgufValue actual)
    {
        Assert.Equal(expected.Type, actual.Type);
        if (expected.Type != GgufValueType.Array)
        {
            Assert.Equal(expected.Value, actual.Value);
            return;
        }
        Assert.Equal(expected.ElementType, actual.ElementType);
        var e = (Array)expected.Value;
        var a = (Array)actual.Value;
        Assert.Equal(e.Length, a.Length);
        for (int i = 0; i < e.Length; i++)
        {
            if (expected.ElementType == GgufValueType.Array) AssertSameValue((GgufValue)e.GetValue(i)!, (GgufValue)a.GetValue(i)!);
            else Assert.Equal(e.GetValue(i), a.GetValue(i));
        }
    }
}
