using GroveMoE.Cpu.Gguf;
using GroveMoE.Cpu.Model;
using GroveMoE.Cpu.Conversion.Synthetic;
using GroveMoE.Cpu.Quantization;
using GroveMoE.Cpu.Conversion.SafeTensors;
using GroveMoE.Quantizer;

namespace GroveMoE.Cpu.Tests.Quantizer;

/// <summary>
/// HF checkpoint → grove-quantize → GGUF must equal the GGUF the library writes directly from the same floats:
/// both quantize identical values, so every tensor must be byte-identical and the logits exactly equal.
/// </summary>
public sealed class QuantizerRoundTripTests(SyntheticCheckpointFixture fixture) : IClassFixture<SyntheticCheckpointFixture>
{
    private static readonly int[] Tokens = [1, 50, 300, 9000, 151000, 7];

    [Theory]
    [InlineData("f32", GgmlType.F32, GgmlType.F32)]
    [InlineData("f16", GgmlType.F16, GgmlType.F16)]
    [InlineData("bf16", GgmlType.BF16, GgmlType.BF16)]
    [InlineData("q8_0", GgmlType.Q8_0, GgmlType.Q8_0)]
    [InlineData("q4_0", GgmlType.Q4_0, GgmlType.Q4_0)]
    [InlineData("mixed", GgmlType.Q8_0, GgmlType.Q4_0)]
    public void CheckpointConvertsToTheSameTensorsAndLogitsAsDirectWrite(string type, GgmlType weights, GgmlType experts)
    {
        string folder = fixture.NewFolder();
        string direct = Path.Combine(folder, "direct.gguf"), converted = Path.Combine(folder, "converted.gguf");
        SyntheticModelWriter.Write(direct, fixture.Options(weights, experts));

        Assert.Equal(0, QuantizerApp.Run(["--input", fixture.CheckpointDir, "--output", converted, "--type", type, "--threads", "2"]));

        AssertSameTensors(direct, converted);
        AssertSameModelMetadata(direct, converted);
        Assert.Equal(Logits(direct), Logits(converted));
    }

    [Fact]
    public void GgufRequantizesLikeDirectWrite()
    {
        string folder = fixture.NewFolder();
        string f32 = Path.Combine(folder, "f32.gguf"), q8 = Path.Combine(folder, "q8.gguf"), requant = Path.Combine(folder, "requant.gguf");
        SyntheticModelWriter.Write(f32, fixture.Options(GgmlType.F32, GgmlType.F32));
        SyntheticModelWriter.Write(q8, fixture.Options(GgmlType.Q8_0, GgmlType.Q4_0));

        Assert.Equal(0, QuantizerApp.Run(["--input", f32, "--output", requant, "--type", "mixed", "--threads", "2"]));

        AssertSameTensors(q8, requant);
        Assert.Equal(Logits(q8), Logits(requant));
    }

    [Fact]
    public void CheckpointHoldsPerExpertTensorsInHfOrientation()
    {
        var c = fixture.Options(GgmlType.F32, GgmlType.F32).Config;
        using var checkpoint = SafeTensorsCheckpoint.Open(fixture.CheckpointDir);
        Assert.True(checkpoint.Shards.Count > 1);

        // Expert 3 of layer 1's down projection is [out = hidden, in = expert width]: elements
        // [3 * hidden * width, 4 * hidden * width) of the stacked GGUF tensor {width, hidden, experts}.
        long perExpert = (long)c.Hidden * c.ExpertWidth;
        AssertHfTensor(checkpoint, "model.layers.1.mlp.experts.3.down_proj.weight", [c.Hidden, c.ExpertWidth],
            "blk.1.ffn_down_exps.weight", 1f / MathF.Sqrt(c.ExpertWidth), 3 * perExpert);
        AssertHfTensor(checkpoint, "model.layers.0.mlp.chunk_experts.5.gate_proj.weight", [c.AdjugateWidth, c.Hidden],
            "blk.0.ffn_gate_chexps.weight", 1f / MathF.Sqrt(c.Hidden), 5L * c.AdjugateWidth * c.Hidden);
        AssertHfTensor(checkpoint, "model.layers.1.self_attn.o_proj.weight", [c.Hidden, c.QueryDim],
            "blk.1.attn_output.weight", 1f / MathF.Sqrt(c.QueryDim), 0);
    }

    private static void AssertHfTensor(SafeTensorsCheckpoint checkpoint, string name, long[] shape, string ggufName, float std, long first)
    {
        var (file, info) = checkpoint.Tensor(name);
        Assert.Equal(SafeTensorsDType.BF16, info.DType);
        Assert.Equal(shape, info.Shape);
        var actual = new float[info.ElementCount];
        file.ReadFloats(info, 0, actual);
        var expected = new float[actual.Length];
        new SyntheticTensorSource(SyntheticCheckpointFixture.Seed, ggufName, 0f, std).Fill(first, expected);
        for (int i = 0; i < expected.Length; i++)
        {
            float bf16 = BitConverter.UInt32BitsToSingle((uint)HalfFloats.ToBF16(BitConverter.SingleToUInt32Bits(expected[i])) << 16);
            Assert.Equal(bf16, actual[i]);
        }
    }

    private static void AssertSameTensors(string expectedPath, string actualPath)
    {
        using var expected = GgufFile.Open(expectedPath);
        using var actual = GgufFile.Open(actualPath);
        Assert.Equal(expected.TensorInfos.Select(t => t.Name).Order(), actual.TensorInfos.Select(t => t.Name).Order());
        foreach (var info in expected.TensorInfos)
        {
            var a = actual.Tensor(info.Name);
            Assert.True(info.Type == a.Type, $"{info.Name}: {a.Type}, expected {info.Type}");
            Assert.Equal(info.Dimensions, a.Dimensions);
            Assert.True(expected.Tensor(info.Name).Bytes.SequenceEqual(a.Bytes), $"{info.Name}: bytes differ");
        }
    }

    private static void AssertSameModelMetadata(string expectedPath, string actualPath)
    {
        using var expected = GgufFile.Open(expectedPath);
        using var actual = GgufFile.Open(actualPath);
        foreach (var key in expected.Metadata.Keys.Where(k => k is not ("general.name" or "general.file_type")))
        {
            Assert.True(actual.Metadata.Contains(key), $"missing metadata key {key}");
            var e = expected.Metadata[key];
            var a = actual.Metadata[key];
            Assert.Equal(e.Type, a.Type);
            if (e.Value is Array array) Assert.Equal(array.Cast<object>(), ((Array)a.Value).Cast<object>());
            else Assert.Equal(e.Value, a.Value);
        }
    }

    private static float[] Logits(string path)
    {
        using var model = GroveModel.Load(path);
        using var forward = new GroveForward(model, Tokens.Length, threads: 2);
        var logits = new float[Tokens.Length * model.Config.Vocab];
        forward.Evaluate(Tokens, logits, allPositions: true);
        Assert.All(logits, v => Assert.True(float.IsFinite(v)));
        return logits;
    }
}
