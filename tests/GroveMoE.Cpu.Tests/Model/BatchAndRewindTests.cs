using GroveMoE.Cpu.Model;
using GroveMoE.Cpu.Quantization;

namespace GroveMoE.Cpu.Tests.Model;

/// <summary>Prompt batches, single-token decoding and rewinding must compute the same logits.</summary>
public sealed class BatchAndRewindTests : IDisposable
{
    private readonly TempDirectory _dir = new();

    public void Dispose() => _dir.Dispose();

    [Theory]
    [InlineData(GgmlType.F32, 21, 64)]
    [InlineData(GgmlType.F16, 22, 3)]
    [InlineData(GgmlType.Q8_0, 23, 64)]
    [InlineData(GgmlType.Q4_0, 24, 4)]
    public void BatchedPromptEqualsTokenByTokenDecode(GgmlType type, int seed, int batchSize)
    {
        var config = TestModels.RandomConfig(seed);
        string path = TestModels.Write(_dir.Path, config, type, seed: (ulong)seed);
        var tokens = TestModels.Prompt(seed, 11, config.Vocab);
        int vocab = config.Vocab;
        using var model = GroveModel.Load(path);

        var batched = new float[tokens.Length * vocab];
        using (var forward = new GroveForward(model, 32, 2, batchSize)) forward.Evaluate(tokens, batched, allPositions: true);

        var stepwise = new float[tokens.Length * vocab];
        using (var forward = new GroveForward(model, 32, 1, batchSize))
        {
            for (int t = 0; t < tokens.Length; t++)
            {
                forward.Evaluate(tokens.AsSpan(t, 1), stepwise.AsSpan(t * vocab, vocab));
                Assert.Equal(t + 1, forward.Position);
            }
        }

        double error = LogitComparison.WorstRelativeError(batched, stepwise, vocab);
        Assert.True(error < 1e-5, $"batched and token-by-token logits differ by {error:E2}");
    }

    [Theory]
    [InlineData(GgmlType.F32, 25)]
    [InlineData(GgmlType.Q4_0, 26)]
    public void RewindThenEvaluateEqualsFreshEvaluation(GgmlType type, int seed)
    {
        var config = TestModels.RandomConfig(seed);
        string path = TestModels.Write(_dir.Path, config, type, seed: (ulong)seed);
        var first = TestModels.Prompt(seed, 9, config.Vocab);
        var second = TestModels.Prompt(seed + 100, 5, config.Vocab);
        int vocab = config.Vocab;
        using var model = GroveModel.Load(path);
        using var forward = new GroveForward(model, 32, 2);

        var original = new float[first.Length * vocab];
        forward.Evaluate(first, original, allPositions: true);

        // Rewind into the prompt and evaluate its tail again: same logits as the first time.
        forward.Rewind(4);
        Assert.Equal(4, forward.Position);
        var again = new float[(first.Length - 4) * vocab];
        forward.Evaluate(first.AsSpan(4), again, allPositions: true);
        Assert.True(LogitComparison.WorstRelativeError(again, original.AsSpan(4 * vocab), vocab) < 1e-5);

        // Rewind and continue differently: equals a fresh session fed the spliced prompt.
        forward.Rewind(3);
        var continued = new float[second.Length * vocab];
        forward.Evaluate(second, continued, allPositions: true);
        var spliced = first.Take(3).Concat(second).ToArray();
        var fresh = TestModels.ProductionLogits(path, spliced);
        double error = LogitComparison.WorstRelativeError(continued, fresh.AsSpan(3 * vocab), vocab);
        Assert.True(error < 1e-5, $"rewound session differs from a fresh one by {error:E2}");
    }
}
