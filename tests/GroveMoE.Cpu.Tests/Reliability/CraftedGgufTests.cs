using GroveMoE.Cpu.Conversion.Synthetic;
using GroveMoE.Cpu.Gguf;
using GroveMoE.Cpu.Model;
using GroveMoE.Cpu.Quantization;
using GroveMoE.Cpu.Tests.Gguf;
using GroveMoE.Cpu.Tests.Model;

namespace GroveMoE.Cpu.Tests.Reliability;

/// <summary>
/// Each file here once crashed the process, read outside the mapping or gave NaN logits (issue 14); each must now
/// fail with the format's own exception, naming the byte offset where one applies.
/// </summary>
public sealed class CraftedGgufTests : IDisposable
{
    private readonly TempDirectory _dir = new();

    public void Dispose() => _dir.Dispose();

    private string Write(byte[] bytes)
    {
        string path = _dir.File($"{Guid.NewGuid():N}.gguf");
        File.WriteAllBytes(path, bytes);
        return path;
    }

    private static GgufFormatException AssertFormatError(string path)
    {
        var e = Assert.Throws<GgufFormatException>(() => GgufFile.Open(path).Dispose());
        Assert.True(e.Offset >= 0, e.Message);
        return e;
    }

    [Theory]
    [InlineData(1UL << 63)]
    [InlineData(ulong.MaxValue - 31)] // -32 as a long: the 32 bytes before the data section, inside the header
    [InlineData(1UL << 40)]
    public void TensorOffsetOutsideTheDataSectionIsRefused(ulong offset)
    {
        var bytes = new RawGguf().Key("general.name", "x").Tensor("t", (uint)GgmlType.F32, offset, 8).Build();
        var e = AssertFormatError(Write(bytes));
        Assert.Contains("offset", e.Message);
    }

    [Fact]
    public void ByteSizeThatOverflowsALongIsRefused()
    {
        // 2^31-1 to the fourth power times 4 bytes wraps a long; the product must not pass the end-of-file check.
        const ulong big = int.MaxValue;
        var bytes = new RawGguf().Tensor("t", (uint)GgmlType.F32, 0, big, big, big, big).Build();
        Assert.Contains("larger than", AssertFormatError(Write(bytes)).Message);
        // 2^30 x 2^30 x 4 floats is exactly 2^64 bytes, which wrapped to a size of 0.
        var wrapsToZero = new RawGguf().Tensor("t", (uint)GgmlType.F32, 0, 1UL << 30, 1UL << 30, 4).Build();
        Assert.Contains("larger than", AssertFormatError(Write(wrapsToZero)).Message);
    }

    [Theory]
    [InlineData(GgufHeaderReader.MaxArrayNesting + 1)]
    [InlineData(25_000)]
    public void DeeplyNestedArraysAreRefused(int depth)
    {
        var bytes = new RawGguf().Key("deep", GgufValueType.Array, w =>
        {
            for (int i = 1; i < depth; i++)
            {
                w.Write((uint)GgufValueType.Array);
                w.Write(1UL);
            }
            w.Write((uint)GgufValueType.UInt8);
            w.Write(1UL);
            w.Write((byte)7);
        }).Build();
        Assert.Contains("nested", AssertFormatError(Write(bytes)).Message);
    }

    [Fact]
    public void NestingWithinTheBoundIsRead()
    {
        var bytes = new RawGguf().Key("nested", GgufValueType.Array, w =>
        {
            for (int i = 1; i < GgufHeaderReader.MaxArrayNesting; i++)
            {
                w.Write((uint)GgufValueType.Array);
                w.Write(1UL);
            }
            w.Write((uint)GgufValueType.UInt8);
            w.Write(1UL);
            w.Write((byte)7);
        }).Build();
        using var file = GgufFile.Open(Write(bytes));
        var value = file.Metadata["nested"];
        for (int i = 1; i < GgufHeaderReader.MaxArrayNesting; i++) value = ((GgufValue[])value.Value)[0];
        Assert.Equal([7], (byte[])value.Value);
    }

    [Fact]
    public void DuplicateKeysAndTensorsAreRefused()
    {
        var keys = new RawGguf().Key("general.name", "a").Key("general.name", "b").Build();
        Assert.Contains("duplicate metadata key", AssertFormatError(Write(keys)).Message);
        var tensors = new RawGguf().Tensor("t", (uint)GgmlType.F32, 0, 4).Tensor("t", (uint)GgmlType.F32, 32, 4).Build();
        Assert.Contains("duplicate tensor name", AssertFormatError(Write(tensors)).Message);
    }

    [Fact]
    public void InvalidUtf8KeyIsRefused()
    {
        var bytes = new RawGguf().Key("name\uFFFF", "x").Build();
        int at = bytes.AsSpan().IndexOf("name"u8) + 4;
        bytes[at] = 0xC3; // a lead byte followed by another lead byte
        bytes[at + 1] = 0xC3;
        bytes[at + 2] = 0x28;
        Assert.Contains("UTF-8", AssertFormatError(Write(bytes)).Message);
    }

    // The hyperparameter cases start from a valid tiny model so that only the one value is wrong.
    private string Tiny(Action<GgufMetadata> edit)
    {
        string valid = _dir.File("tiny.gguf");
        if (!File.Exists(valid)) SyntheticModelWriter.Write(valid, new SyntheticModelOptions(SyntheticPresets.Tiny(64), GgmlType.Q8_0));
        string path = _dir.File($"{Guid.NewGuid():N}.gguf");
        GgufRewriter.Rewrite(valid, path, edit);
        return path;
    }

    [Theory]
    [InlineData("grovemoe.block_count", int.MaxValue)]
    [InlineData("grovemoe.block_count", 1000)] // in range, but the file has tensors for 2 layers
    [InlineData("grovemoe.attention.head_count", 0)]
    [InlineData("grovemoe.attention.head_count_kv", 0)]
    [InlineData("grovemoe.embedding_length", 0)]
    [InlineData("grovemoe.expert_count", int.MaxValue)]
    [InlineData("grovemoe.context_length", 0)]
    public void OutOfRangeHyperparametersAreModelFormatErrors(string key, int value)
    {
        string path = Tiny(m => m.Set(key, GgufValue.Of((uint)value)));
        var e = Assert.Throws<ModelFormatException>(() => GroveModel.Load(path).Dispose());
        Assert.Contains(key.Contains("block_count") ? "block_count" : key, e.Message);
    }

    [Theory]
    [InlineData("grovemoe.rope.freq_base", float.NaN)]
    [InlineData("grovemoe.rope.freq_base", 0f)]
    [InlineData("grovemoe.rope.freq_base", -10000f)]
    [InlineData("grovemoe.rope.freq_base", float.PositiveInfinity)]
    [InlineData("grovemoe.attention.layer_norm_rms_epsilon", float.NaN)]
    [InlineData("grovemoe.attention.layer_norm_rms_epsilon", 0f)]
    [InlineData("grovemoe.attention.layer_norm_rms_epsilon", -1e-6f)]
    [InlineData("grovemoe.expert_group_scale", float.NaN)]
    public void NonPositiveOrNonFiniteFloatsAreModelFormatErrors(string key, float value)
    {
        string path = Tiny(m => m.Set(key, GgufValue.Of(value)));
        var e = Assert.Throws<ModelFormatException>(() => GroveModel.Load(path).Dispose());
        Assert.Contains(key, e.Message);
    }

    [Theory]
    [InlineData(99, -1)]
    [InlineData(1, -7)]
    [InlineData(1, 64)]
    public void UnknownTokenTypeOrEosOutsideTheVocabularyIsAModelFormatError(int type, int eos)
    {
        var m = new GgufMetadata();
        m.Set("tokenizer.ggml.model", GgufValue.Of("gpt2"));
        m.Set("tokenizer.ggml.pre", GgufValue.Of("qwen2"));
        m.Set("tokenizer.ggml.tokens", GgufValue.Of(Enumerable.Range(0, 64).Select(i => ((char)('A' + i)).ToString()).ToArray()));
        m.Set("tokenizer.ggml.merges", GgufValue.Of(Array.Empty<string>()));
        var types = Enumerable.Repeat(1, 64).ToArray();
        types[3] = type;
        m.Set("tokenizer.ggml.token_type", GgufValue.Of(types));
        m.Set("tokenizer.ggml.eos_token_id", GgufValue.Of(eos));
        Assert.Throws<ModelFormatException>(() => GroveMoE.Cpu.Tokenization.GroveTokenizer.FromMetadata(m));
    }

    [Fact]
    public void AContextTooLargeForMemoryFailsBeforeAllocating()
    {
        using var model = GroveModel.Load(Tiny(_ => { }));
        var e = Assert.Throws<InsufficientMemoryException>(() => new GroveForward(model, int.MaxValue, 1).Dispose());
        Assert.Contains("KV cache", e.Message);
    }
}
