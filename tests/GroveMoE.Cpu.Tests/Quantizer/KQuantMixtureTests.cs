using GroveMoE.Cpu.Conversion.Synthetic;
using GroveMoE.Cpu.Gguf;
using GroveMoE.Cpu.Kernels;
using GroveMoE.Cpu.Model;
using GroveMoE.Cpu.Quantization;
using GroveMoE.Cpu.Tests.Model;
using GroveMoE.Cpu.Tests.Reference;
using GroveMoE.Quantizer;
using GroveMoE.Quantizer.Conversion;
using Xunit.Abstractions;

namespace GroveMoE.Cpu.Tests.Quantizer;

/// <summary>
/// grove-quantize's K-quant mixtures end to end: an F32 GroveMoE with 256-wide rows (and 128-wide adjugate down rows,
/// as GroveMoE-Inst has) is quantized, then the runtime's logits are compared with the float64 reference forward pass
/// over the weights the file holds (and, where every tensor is tiled, with the reference that rounds activations to Q8
/// as the kernels do).
/// </summary>
public sealed class KQuantMixtureTests(ITestOutputHelper output) : IDisposable
{
    private readonly TempDirectory _dir = new();

    public void Dispose() => _dir.Dispose();

    private static readonly GroveConfig Config = new()
    {
        Layers = 2, Hidden = 256, Heads = 4, KvHeads = 1, HeadDim = 64, RmsEpsilon = 1e-6f, RopeBase = 1e6f,
        ContextLength = 64, Experts = 8, ExpertsUsed = 2, ExpertWidth = 256, AdjugateWidth = 128,
        ExpertsPerGroup = 2, GroupScale = 0.05f, Vocab = 300,
    };

    /// <summary>
    /// The production matmuls either decode rows to floats or round their inputs to Q8 blocks; either way the logits
    /// stay within a few percent of the exact reference on the same weights (as the Q4_0/Q8_0 forward tests bound).
    /// </summary>
    [Theory]
    [InlineData("q4_k_m", GgmlType.Q8_0)]
    [InlineData("q4_k_s", GgmlType.Q5_0)]
    [InlineData("q5_k_m", GgmlType.Q8_0)]
    [InlineData("q5_k_s", GgmlType.Q5_1)]
    [InlineData("q6_k", GgmlType.Q8_0)]
    [InlineData("q3_k_m", GgmlType.Q5_0)]
    [InlineData("q2_k", GgmlType.Q4_0)]
    [InlineData("iq4_xs", GgmlType.IQ4_NL)]
    public void QuantizedFileRunsCloseToTheReference(string type, GgmlType adjugateDown)
    {
        string f32 = _dir.File("f32.gguf"), quantized = _dir.File($"{type}.gguf");
        if (!File.Exists(f32)) SyntheticModelWriter.Write(f32, new SyntheticModelOptions(Config, GgmlType.F32, 7));
        Assert.Equal(0, QuantizerApp.Run(["--input", f32, "--output", quantized, "--type", type, "--threads", "2"]));

        using (var file = GgufFile.Open(quantized))
        {
            Assert.Equal(GgmlType.Q6_K, file.Tensor(TensorNames.Output).Type);
            Assert.Equal(GgmlType.F32, file.Tensor(TensorNames.Router(0)).Type);
            // The last layer gets more bits in the *_M mixtures, so its adjugate down projection falls back from Q6_K to Q8_0.
            Assert.Equal(adjugateDown, file.Tensor(TensorNames.DownAdjugates(1)).Type);
        }

        var tokens = TestModels.Prompt(3, 8, Config.Vocab);
        var actual = TestModels.ProductionLogits(quantized, tokens);
        var exact = ReferenceForward.Run(ReferenceModel.Load(quantized), tokens).Logits;
        double error = LogitComparison.WorstRelativeError(actual, exact);
        double agreement = LogitComparison.TopOneAgreement(actual, exact);

        // Every tiled format dots Q8-rounded activations in integers, so where every quantized tensor has a tiled
        // layout (every block format here) the logits are the Q8-rounding reference's up to float summation order; as in
        // ForwardReferenceTests a float32 difference may flip one Q8 rounding of an activation and move that position.
        bool allTiled;
        using (var file = GgufFile.Open(quantized))
            allTiled = file.TensorInfos.All(t => t.Type is GgmlType.F32 or GgmlType.F16 or GgmlType.BF16 || TileLayout.Supports(t.Type));
        int tight = 0;
        if (allTiled)
        {
            var rounded = ReferenceForward.Run(ReferenceModel.Load(quantized), tokens, new ReferenceVariant { RoundActivationsToQ8 = true }).Logits;
            for (int t = 0; t < tokens.Length; t++)
                if (LogitComparison.WorstRelativeError(actual.AsSpan(t * Config.Vocab, Config.Vocab), [rounded[t]]) < 1e-5) tight++;
        }
        output.WriteLine($"{type}: relative error {error:E2}, top-1 agreement {agreement:P0}" +
            (allTiled ? $", {tight}/{tokens.Length} positions within 1e-5 of the Q8-rounding reference" : ""));
        Assert.True(error < 0.05, $"{type}: relative error {error:E2} against the exact reference");
        Assert.True(agreement >= 0.75, $"{type}: top-1 agreement {agreement:P0}");
        Assert.True(!allTiled || tight * 4 >= tokens.Length * 3, $"{type}: only {tight}/{tokens.Length} positions within 1e-5 of the Q8-rounding reference");
    }

    /// <summary>On GroveMoE-Inst's 48 layers the *_M mixtures give attn_v and the down projections Q6_K in half the layers.</summary>
    [Fact]
    public void MediumMixturesGiveMoreBitsToHalfTheLayers()
    {
        var inst = SyntheticPresets.Real(48);
        var recipe = QuantizationRecipe.Parse("q4_k_m");
        long[] attnV = [inst.Hidden, inst.KvDim], down = [inst.ExpertWidth, inst.Hidden, inst.Experts];
        int v = Enumerable.Range(0, 48).Count(l => recipe.Choose(TensorNames.AttnV(l), attnV, inst, false) == GgmlType.Q6_K);
        int d = Enumerable.Range(0, 48).Count(l => recipe.Choose(TensorNames.DownExperts(l), down, inst, false) == GgmlType.Q6_K);
        Assert.Equal(24, v);
        Assert.Equal(24, d);
        Assert.Equal(GgmlType.Q4_K, recipe.Choose(TensorNames.AttnV(6), attnV, inst, false));
        Assert.Equal(GgmlType.Q6_K, recipe.Choose(TensorNames.AttnV(8), attnV, inst, false));
        Assert.Equal(GgmlType.Q4_K, recipe.Choose(TensorNames.GateExperts(0), [inst.Hidden, inst.ExpertWidth, inst.Experts], inst, false));
        Assert.Equal(GgmlType.Q6_K, recipe.Choose(TensorNames.TokenEmbedding, [inst.Hidden, inst.Vocab], inst, tiedEmbeddings: true));
        Assert.Equal(GgmlType.Q4_K, recipe.Choose(TensorNames.TokenEmbedding, [inst.Hidden, inst.Vocab], inst, tiedEmbeddings: false));
    }
}
