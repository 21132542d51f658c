using System.Buffers.Binary;
using GroveMoE.Cpu.Gguf;
using GroveMoE.Cpu.Quantization;
using GroveMoE.Cpu.Tests.Model;
using GroveMoE.Cpu.Conversion.Gguf;

namespace GroveMoE.Cpu.Tests.Gguf;

/// <summary>Truncated and corrupt files fail with a GgufFormatException naming the byte offset, never anything else.</summary>
public sealed class GgufCorruptionTests : IDisposable
{
    private readonly TempDirectory _dir = new();
    private readonly byte[] _valid;
    private readonly int _headerLength;
    private readonly int _dataEnd;

    public GgufCorruptionTests()
    {
        string path = _dir.File("valid.gguf");
        var metadata = GgufRoundTripTests.EveryValueType();
        metadata.Set("general.alignment", GgufValue.Of(32u)); // so that flips can corrupt it too
        (string, GgmlType, long[])[] tensors = [("w.q4", GgmlType.Q4_0, [64, 2]), ("n.f32", GgmlType.F32, [5]), ("x.q8", GgmlType.Q8_0, [32, 3])];
        using (var writer = new GgufWriter(new FileStream(path, FileMode.Create), metadata, tensors))
        {
            while (writer.Next is { } next) writer.WriteTensorData(new byte[next.ByteSize]);
            writer.Finish();
        }
        _valid = File.ReadAllBytes(path);
        using var file = GgufFile.Open(path);
        _headerLength = (int)file.DataStart;
        var last = file.TensorInfos[^1];
        _dataEnd = (int)(file.DataStart + last.Offset + last.ByteSize); // the padding after the last tensor is optional
    }

    public void Dispose() => _dir.Dispose();

    [Fact]
    public void EveryTruncationFailsWithOffset()
    {
        string path = _dir.File("cut.gguf");
        // Every byte of the fixed header, then every third byte of the metadata and tensor infos, then into the data.
        var cuts = Enumerable.Range(0, 40).Concat(Enumerable.Range(40, _headerLength - 40).Where(i => i % 3 == 0))
            .Concat(Enumerable.Range(_headerLength, _dataEnd - _headerLength).Where(i => i % 5 == 0)).Append(_dataEnd - 1);
        foreach (int cut in cuts.Distinct())
        {
            File.WriteAllBytes(path, _valid.AsSpan(0, cut).ToArray());
            AssertFormatError(path, $"cut at {cut}");
        }
    }

    [Fact]
    public void RandomByteFlipsInTheHeaderFailCleanlyOrStillParse()
    {
        string path = _dir.File("flipped.gguf");
        var random = new Random(42);
        int rejected = 0;
        for (int trial = 0; trial < 600; trial++)
        {
            var bytes = (byte[])_valid.Clone();
            int flips = random.Next(1, 4);
            for (int f = 0; f < flips; f++) bytes[random.Next(_headerLength)] ^= (byte)(1 << random.Next(8));
            File.WriteAllBytes(path, bytes);
            try
            {
                using var file = GgufFile.Open(path);
            }
            catch (GgufFormatException e)
            {
                Assert.Contains("at byte ", e.Message);
                rejected++;
            }
            catch (Exception e)
            {
                Assert.Fail($"trial {trial}: {e.GetType().Name}: {e.Message}");
            }
        }
        Assert.True(rejected > 100, $"only {rejected} of 600 corrupt headers were rejected");
    }

    public static TheoryData<string, int, ulong> TargetedCorruptions => new()
    {
        { "magic", 0, 0x12345678 },
        { "version", 4, 99 },
        { "tensor count", 8, ulong.MaxValue },
        { "metadata count", 16, 1UL << 40 },
        { "first key length", 24, 1UL << 50 },
        { "first value type", 24 + 8 + 2, 77 },
    };

    [Theory]
    [MemberData(nameof(TargetedCorruptions))]
    public void CorruptFixedFieldsFailWithOffset(string what, int offset, ulong value)
    {
        var bytes = (byte[])_valid.Clone();
        if (offset < 8 || what == "first value type") BinaryPrimitives.WriteUInt32LittleEndian(bytes.AsSpan(offset), (uint)value);
        else BinaryPrimitives.WriteUInt64LittleEndian(bytes.AsSpan(offset), value);
        string path = _dir.File("corrupt.gguf");
        File.WriteAllBytes(path, bytes);
        AssertFormatError(path, what);
    }

    public static TheoryData<string> TensorInfoCorruptions => new() { "dimension count", "dimension", "type", "offset", "misaligned", "name length" };

    [Theory]
    [MemberData(nameof(TensorInfoCorruptions))]
    public void CorruptTensorInfosFailWithOffset(string what)
    {
        // The first tensor info follows the metadata: name length (8), name, dimension count (4), dimensions, type, offset.
        var bytes = (byte[])_valid.Clone();
        int at = IndexOf(bytes, "w.q4"u8) - 8;
        int dims = at + 8 + 4 + 4, type = dims + 2 * 8, offset = type + 4;
        switch (what)
        {
            case "dimension count": BinaryPrimitives.WriteUInt32LittleEndian(bytes.AsSpan(dims - 4), 9); break;
            case "dimension": BinaryPrimitives.WriteUInt64LittleEndian(bytes.AsSpan(dims), 33); break; // not whole Q4_0 blocks
            case "type": BinaryPrimitives.WriteUInt32LittleEndian(bytes.AsSpan(type), 77); break;
            case "offset": BinaryPrimitives.WriteUInt64LittleEndian(bytes.AsSpan(offset), 1UL << 40); break;
            case "misaligned": BinaryPrimitives.WriteUInt64LittleEndian(bytes.AsSpan(offset), 4); break;
            case "name length": BinaryPrimitives.WriteUInt64LittleEndian(bytes.AsSpan(at), 1UL << 60); break;
        }
        string path = _dir.File("corrupt-tensor.gguf");
        File.WriteAllBytes(path, bytes);
        AssertFormatError(path, what);
    }

    [Theory]
    [InlineData(48u)]
    [InlineData(0u)]
    [InlineData(null)]
    public void BadAlignmentFailsWithOffset(uint? alignment)
    {
        var metadata = new GgufMetadata();
        metadata.Set("general.name", GgufValue.Of("x"));
        // The writer lays tensors out with the alignment it is given, so write a valid file and patch the value
        // (or, for null, its type code: a Float32 alignment is not an integer).
        metadata.Set("general.alignment", GgufValue.Of(64u));
        string path = _dir.File("alignment.gguf");
        using (var stream = new FileStream(path, FileMode.Create))
        using (var writer = new GgufWriter(stream, metadata, [("t", GgmlType.F32, [4])]))
        {
            writer.WriteTensorData(new byte[16]);
            writer.Finish();
        }
        var bytes = File.ReadAllBytes(path);
        int typeAt = IndexOf(bytes, "general.alignment"u8) + "general.alignment".Length;
        if (alignment is { } a) BinaryPrimitives.WriteUInt32LittleEndian(bytes.AsSpan(typeAt + 4), a);
        else BinaryPrimitives.WriteUInt32LittleEndian(bytes.AsSpan(typeAt), (uint)GgufValueType.Float32);
        File.WriteAllBytes(path, bytes);
        AssertFormatError(path, $"alignment {alignment}");
    }

    [Fact]
    public void MissingFileIsFileNotFound()
    {
        Assert.Throws<FileNotFoundException>(() => GgufFile.Open(_dir.File("absent.gguf")));
    }

    private static void AssertFormatError(string path, string what)
    {
        try
        {
            using var file = GgufFile.Open(path);
            Assert.Fail($"{what}: the file was accepted");
        }
        catch (GgufFormatException e)
        {
            Assert.True(e.Offset >= 0 && e.Message.Contains("at byte "), $"{what}: no offset in '{e.Message}'");
        }
        catch (Exception e) when (e is not Xunit.Sdk.XunitException)
        {
            Assert.Fail($"{what}: {e.GetType().Name}: {e.Message}");
        }
    }

    private static int IndexOf(byte[] haystack, ReadOnlySpan<byte> needle) => haystack.AsSpan().IndexOf(needle);
}
