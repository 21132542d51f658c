using GroveMoE.Cpu.Gguf;
using GroveMoE.Cpu.Model;
using GroveMoE.Cpu.Conversion.Synthetic;
using GroveMoE.Cpu.Quantization;
using GroveMoE.Cpu.Tests.Model;

namespace GroveMoE.Cpu.Tests.Gguf;

/// <summary>GGUF files that parse but are not usable GroveMoE models fail with an error that says why.</summary>
public sealed class ModelLoadErrorTests : IDisposable
{
    private readonly TempDirectory _dir = new();
    private readonly string _valid;

    public ModelLoadErrorTests()
    {
        _valid = _dir.File("valid.gguf");
        SyntheticModelWriter.Write(_valid, new SyntheticModelOptions(SyntheticPresets.Tiny(64), GgmlType.Q8_0));
    }

    public void Dispose() => _dir.Dispose();

    [Fact]
    public void ValidFileLoads()
    {
        using var model = GroveModel.Load(_valid);
        Assert.Equal(SyntheticPresets.Tiny(64), model.Config);
    }

    [Theory]
    [InlineData("grovemoe.expert_count")]
    [InlineData("grovemoe.block_count")]
    [InlineData("grovemoe.embedding_length")]
    [InlineData("general.architecture")]
    public void MissingMetadataKeyIsNamed(string key)
    {
        string path = _dir.File("no-key.gguf");
        GgufRewriter.Rewrite(_valid, path, m => Assert.True(m.Remove(key)));
        var e = Assert.ThrowsAny<Exception>(() => GroveModel.Load(path));
        Assert.True(e is ModelFormatException or GgufMissingKeyException or GgufFormatException, e.GetType().Name);
        Assert.Contains(key, e.Message);
    }

    [Fact]
    public void WrongArchitectureIsModelFormatException()
    {
        string path = _dir.File("llama.gguf");
        GgufRewriter.Rewrite(_valid, path, m => m.Set("general.architecture", GgufValue.Of("llama")));
        var e = Assert.Throws<ModelFormatException>(() => GroveModel.Load(path));
        Assert.Contains("llama", e.Message);
    }

    [Theory]
    [InlineData("blk.1.attn_k.weight")]
    [InlineData("blk.0.ffn_down_chexps.weight")]
    [InlineData("output_norm.weight")]
    public void MissingTensorIsNamed(string name)
    {
        string path = _dir.File("no-tensor.gguf");
        GgufRewriter.Rewrite(_valid, path, keepTensor: n => n != name);
        var e = Assert.ThrowsAny<Exception>(() => GroveModel.Load(path));
        Assert.True(e is GgufMissingTensorException or ModelFormatException, e.GetType().Name);
        Assert.Contains(name, e.Message);
    }

    [Fact]
    public void WrongTensorShapeIsModelFormatException()
    {
        string path = _dir.File("bad-shape.gguf");
        GgufRewriter.Rewrite(_valid, path, m => m.Set("grovemoe.expert_feed_forward_length", GgufValue.Of(32u)));
        Assert.Throws<ModelFormatException>(() => GroveModel.Load(path));
    }

    /// <summary>A type ggml has and we do not compute with: one line naming the tensor, its type and what we support.</summary>
    [Theory]
    [InlineData(GgmlType.MXFP4)]
    [InlineData(GgmlType.IQ4_NL)]
    public void UnsupportedTensorTypeIsNamedWithTheSupportedOnes(GgmlType type)
    {
        string path = _dir.File("other-type.gguf");
        File.Copy(_valid, path, overwrite: true);
        // Q8_0 blocks are 34 bytes per 32 values; MXFP4's 17 and IQ4_NL's 18 fit inside the same data.
        GgufRewriter.PatchTensorType(path, "blk.0.attn_q.weight", type);
        if (GgmlTypeInfo.IsSupported(type))
        {
            using var model = GroveModel.Load(path);
            return;
        }
        var e = Assert.Throws<ModelFormatException>(() => GroveModel.Load(path));
        Assert.Contains("blk.0.attn_q.weight", e.Message);
        Assert.Contains(type.ToString(), e.Message);
        Assert.Contains("Q4_K", e.Message);
        Assert.DoesNotContain('\n', e.Message);
    }

    [Theory]
    [InlineData(GgmlType.Q4_K)]
    [InlineData(GgmlType.Q6_K)]
    [InlineData(GgmlType.IQ4_XS)]
    public void KQuantRowThatIsNotAWholeSuperBlockIsAFormatError(GgmlType type)
    {
        string path = _dir.File("short-rows.gguf");
        File.Copy(_valid, path, overwrite: true);
        GgufRewriter.PatchTensorType(path, "blk.0.ffn_up_exps.weight", type); // rows of 64 values
        var e = Assert.Throws<GgufFormatException>(() => GroveModel.Load(path));
        Assert.Contains("blk.0.ffn_up_exps.weight", e.Message);
        Assert.Contains(type.ToString(), e.Message);
    }
}
