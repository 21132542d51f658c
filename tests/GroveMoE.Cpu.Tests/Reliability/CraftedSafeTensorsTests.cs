using System.Text;
using GroveMoE.Cpu.Conversion.SafeTensors;
using GroveMoE.Cpu.Tests.Model;

namespace GroveMoE.Cpu.Tests.Reliability;

/// <summary>
/// Safetensors headers and checkpoint indexes that System.Text.Json parses but cannot decode, or that repeat a name,
/// fail with <see cref="SafeTensorsFormatException"/>; symbolic links to shards (the Hugging Face cache) work.
/// </summary>
public sealed class CraftedSafeTensorsTests : IDisposable
{
    private readonly TempDirectory _dir = new();

    public void Dispose() => _dir.Dispose();

    /// <summary>A safetensors file whose header is <paramref name="json"/> (raw bytes) followed by 8 bytes of data.</summary>
    public static byte[] File8(byte[] json)
    {
        var bytes = new byte[8 + json.Length + 8];
        BitConverter.GetBytes((ulong)json.Length).CopyTo(bytes, 0);
        json.CopyTo(bytes, 8);
        return bytes;
    }

    private static byte[] Json(string text) => Encoding.UTF8.GetBytes(text);

    private const string Tensor = """{"dtype":"F32","shape":[2],"data_offsets":[0,8]}""";

    private string WriteFile(string name, byte[] bytes)
    {
        string path = _dir.File(name);
        File.WriteAllBytes(path, bytes);
        return path;
    }

    public static TheoryData<string, byte[]> BadHeaders() => new()
    {
        { "lone surrogate in a name", Json("{\"w\\ud800\":" + Tensor + "}") },
        { "lone surrogate in a dtype", Json("""{"w":{"dtype":"F\ud800","shape":[2],"data_offsets":[0,8]}}""") },
        { "lone surrogate in metadata", Json("""{"__metadata__":{"format":"\udc00"},"w":""" + Tensor + "}") },
        { "invalid UTF-8 in a name", [.. Json("{\"w"), 0xC3, 0x28, .. Json("\":" + Tensor + "}")] },
        { "duplicate tensor name", Json("""{"w":""" + Tensor + ""","w":""" + Tensor + "}") },
        { "root is an array", Json("[1,2,3]") },
        { "root is a string", Json("\"x\"") },
        { "nested too deep", Json(new string('[', 5000) + new string(']', 5000)) },
        { "too many dimensions", Json("""{"w":{"dtype":"F32","shape":[1,1,1,1,1,1,1,1,1,2],"data_offsets":[0,8]}}""") },
    };

    [Theory]
    [MemberData(nameof(BadHeaders))]
    public void BadHeaderIsAFormatError(string what, byte[] json)
    {
        string path = WriteFile("bad.safetensors", File8(json));
        var e = Assert.Throws<SafeTensorsFormatException>(() => SafeTensorsFile.Open(path).Dispose());
        Assert.StartsWith("bad.safetensors", e.Message);
        _ = what;
    }

    [Fact]
    public void InvalidJsonNamesTheByteOffset()
    {
        string path = WriteFile("bad.safetensors", File8(Json("{\"w\": nope}")));
        var e = Assert.Throws<SafeTensorsFormatException>(() => SafeTensorsFile.Open(path).Dispose());
        Assert.InRange(e.Offset, 8 + 6, 8 + 7); // the reader reports the byte it stopped at or the one after
    }

    private string Checkpoint(string index)
    {
        string dir = _dir.File($"ckpt-{Guid.NewGuid():N}");
        Directory.CreateDirectory(dir);
        File.WriteAllBytes(Path.Combine(dir, "a.safetensors"), File8(Json("""{"w":""" + Tensor + "}")));
        File.WriteAllText(Path.Combine(dir, SafeTensorsCheckpoint.IndexFileName), index);
        return dir;
    }

    [Theory]
    [InlineData("[]")]
    [InlineData("\"weight_map\"")]
    [InlineData("""{"weight_map":{"w\ud800":"a.safetensors"}}""")]
    [InlineData("""{"weight_map":{"w":"a\udfff.safetensors"}}""")]
    [InlineData("""{"weight_map":{"w":"a.safetensors","w":"a.safetensors"}}""")]
    [InlineData("""{"weight_map":{"w":""}}""")]
    [InlineData("""{"weight_map":{"w":"a\u0000.safetensors"}}""")]
    [InlineData("""{"weight_map":{"w":"../a.safetensors"}}""")]
    public void BadIndexIsAFormatError(string index)
    {
        string dir = Checkpoint(index);
        Assert.Throws<SafeTensorsFormatException>(() => SafeTensorsCheckpoint.Open(dir).Dispose());
    }

    [Fact]
    public void SymbolicallyLinkedShardsOpen()
    {
        // The Hugging Face cache keeps blobs apart and links each snapshot file to its blob.
        string blobs = _dir.File("blobs");
        Directory.CreateDirectory(blobs);
        string blob = Path.Combine(blobs, "0123abcd");
        File.WriteAllBytes(blob, File8(Json("""{"w":""" + Tensor + "}")));
        foreach (bool sharded in new[] { false, true })
        {
            string snapshot = _dir.File($"snapshot-{sharded}");
            Directory.CreateDirectory(snapshot);
            string shard = sharded ? "model-00001-of-00001.safetensors" : SafeTensorsCheckpoint.SingleFileName;
            File.CreateSymbolicLink(Path.Combine(snapshot, shard), blob);
            if (sharded)
                File.WriteAllText(Path.Combine(snapshot, SafeTensorsCheckpoint.IndexFileName), "{\"weight_map\":{\"w\":\"" + shard + "\"}}");
            using var checkpoint = SafeTensorsCheckpoint.Open(snapshot);
            var (file, info) = checkpoint.Tensor("w");
            var values = new float[2];
            file.ReadFloats(info, 0, values);
            Assert.Equal([0f, 0f], values);
        }
    }
}
