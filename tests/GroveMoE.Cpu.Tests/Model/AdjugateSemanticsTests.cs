using GroveMoE.Cpu.Model;
using GroveMoE.Cpu.Quantization;
using GroveMoE.Cpu.Tests.Reference;
using Xunit.Abstractions;

namespace GroveMoE.Cpu.Tests.Model;

/// <summary>
/// The adjugate experts follow the authors (grovemoe-spec.md), not llama.cpp: they read h, are weighted by the summed
/// routing weights of their selected experts, and run once per distinct group.
/// </summary>
public sealed class AdjugateSemanticsTests(ITestOutputHelper output) : IDisposable
{
    private readonly TempDirectory _dir = new();

    public void Dispose() => _dir.Dispose();

    // A large group scale makes the adjugate path a large share of each layer's output, so a departure shows clearly.
    [Theory]
    [InlineData(31)]
    [InlineData(32)]
    [InlineData(33)]
    public void ProductionFollowsTheAuthorsNotLlamaCpp(int seed)
    {
        var config = TestModels.RandomConfig(seed) with { GroupScale = 1f };
        string path = TestModels.Write(_dir.Path, config, GgmlType.F32, seed: (ulong)seed);
        var tokens = TestModels.Prompt(seed, 6, config.Vocab);
        var model = ReferenceModel.Load(path);
        var actual = TestModels.ProductionLogits(path, tokens);

        double faithful = LogitComparison.WorstRelativeError(actual, ReferenceForward.Run(model, tokens).Logits);
        double routedInput = LogitComparison.WorstRelativeError(actual,
            ReferenceForward.Run(model, tokens, new ReferenceVariant { AdjugatesReadRoutedOutput = true }).Logits);
        double groupIndexWeights = LogitComparison.WorstRelativeError(actual,
            ReferenceForward.Run(model, tokens, new ReferenceVariant { AdjugateWeightAtGroupIndex = true }).Logits);
        output.WriteLine($"faithful {faithful:E2}, adjugates on routed output {routedInput:E2}, weights at group index {groupIndexWeights:E2}");

        Assert.True(faithful < 1e-4, $"production differs from the authors' semantics by {faithful:E2}");
        Assert.True(routedInput > 1e-2, $"production is within {routedInput:E2} of llama.cpp's adjugate input");
        Assert.True(groupIndexWeights > 1e-2, $"production is within {groupIndexWeights:E2} of llama.cpp's adjugate weights");
    }

    // Many experts per token over few groups: most tokens select two experts of one group, whose adjugate runs once.
    [Theory]
    [InlineData(34, 2)]
    [InlineData(35, 4)]
    public void SharedAdjugateExpertRunsOncePerToken(int seed, int perGroup)
    {
        var config = TestModels.RandomConfig(seed) with { Experts = 4 * perGroup, ExpertsPerGroup = perGroup, ExpertsUsed = 5, GroupScale = 0.5f };
        string path = TestModels.Write(_dir.Path, config, GgmlType.F32, seed: (ulong)seed);
        var tokens = TestModels.Prompt(seed, 7, config.Vocab);
        var expected = ReferenceForward.Run(ReferenceModel.Load(path), tokens);

        using var model = GroveModel.Load(path);
        using var forward = new GroveForward(model, 16, 2);
        var actual = new float[tokens.Length * config.Vocab];
        forward.Evaluate(tokens, actual, allPositions: true);

        // 5 experts over 4 groups always share a group; the count proves each shared adjugate ran once.
        long selections = (long)tokens.Length * config.Layers * config.ExpertsUsed;
        Assert.True(expected.AdjugateRuns < selections);
        Assert.Equal(expected.AdjugateRuns, forward.Stats.AdjugateRuns);
        Assert.Equal((long)tokens.Length * config.Layers, forward.Stats.LayerTokens);
        Assert.Equal(tokens.Length, forward.Stats.TokensEvaluated);
        // Counting the group's summed weight once per selected expert would scale the adjugate term and break this.
        double error = LogitComparison.WorstRelativeError(actual, expected.Logits);
        Assert.True(error < 1e-4, $"logits differ from the reference by {error:E2}");
    }
}
