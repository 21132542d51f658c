using GroveMoE.Cpu.Generation;

namespace GroveMoE.Cpu.Tests.Generation;

public class SamplerTests
{
    private static float[] RandomLogits(Random random, int n, float spread = 3f) =>
        Enumerable.Range(0, n).Select(_ => (float)(random.NextDouble() * 2 - 1) * spread).ToArray();

    [Fact]
    public void GreedyPicksTheArgmax()
    {
        var random = new Random(1);
        var sampler = new Sampler(SamplerOptions.Greedy, 1000);
        for (int trial = 0; trial < 50; trial++)
        {
            var logits = RandomLogits(random, 1000);
            int expected = Array.IndexOf(logits, logits.Max());
            Assert.Equal(expected, sampler.Sample(logits, []));
        }
    }

    [Fact]
    public void SameSeedSameTokensDifferentSeedDifferentTokens()
    {
        var random = new Random(2);
        var rows = Enumerable.Range(0, 64).Select(_ => RandomLogits(random, 500, 1f)).ToArray();
        int[] Draw(ulong seed)
        {
            var sampler = new Sampler(new SamplerOptions { Seed = seed, TopK = 0, TopP = 1, MinP = 0, Temperature = 1 }, 500);
            return rows.Select(r => sampler.Sample(r, [])).ToArray();
        }
        Assert.Equal(Draw(7), Draw(7));
        Assert.NotEqual(Draw(7), Draw(8));
    }

    [Fact]
    public void FrequenciesFollowTheTemperedSoftmax()
    {
        var logits = new float[] { 1.0f, 0.5f, 0f, -0.5f, 2.0f, -1f };
        const double temperature = 0.7;
        const int draws = 60000;
        var sampler = new Sampler(new SamplerOptions { Seed = 3, Temperature = (float)temperature, TopK = 0, TopP = 1, MinP = 0 }, logits.Length);
        var counts = new int[logits.Length];
        for (int i = 0; i < draws; i++) counts[sampler.Sample(logits, [])]++;

        var weights = logits.Select(l => Math.Exp(l / temperature)).ToArray();
        double total = weights.Sum();
        for (int i = 0; i < logits.Length; i++)
        {
            double p = weights[i] / total;
            double sd = Math.Sqrt(p * (1 - p) / draws);
            Assert.InRange(counts[i] / (double)draws, p - 5 * sd, p + 5 * sd);
        }
    }

    [Fact]
    public void TopKTopPAndMinPNeverPickOutsideTheirSets()
    {
        var random = new Random(4);
        for (int trial = 0; trial < 30; trial++)
        {
            var logits = RandomLogits(random, 300);
            int k = random.Next(1, 50);
            float topP = (float)(0.3 + 0.6 * random.NextDouble());
            float minP = (float)(0.2 * random.NextDouble());
            var options = new SamplerOptions { Seed = (ulong)trial, Temperature = 1, TopK = k, TopP = topP, MinP = minP };
            var allowed = ReferenceCandidates(logits, options);
            var sampler = new Sampler(options, logits.Length);
            for (int draw = 0; draw < 200; draw++) Assert.Contains(sampler.Sample(logits, []), allowed);
        }
    }

    /// <summary>The tokens each stage keeps, computed in float64 from the stages' definitions.</summary>
    private static HashSet<int> ReferenceCandidates(float[] logits, SamplerOptions o)
    {
        var order = Enumerable.Range(0, logits.Length).OrderByDescending(i => logits[i]).Take(o.TopK).ToArray();
        var weights = order.Select(i => Math.Exp((logits[i] - logits[order[0]]) / o.Temperature)).ToArray();
        double total = weights.Sum(), kept = 0;
        var result = new HashSet<int>();
        for (int n = 0; n < order.Length; n++)
        {
            if (n > 0 && (kept >= o.TopP * total || weights[n] < o.MinP * weights[0])) break;
            kept += weights[n];
            result.Add(order[n]);
        }
        return result;
    }

    [Fact]
    public void RepetitionAndPresencePenaltiesChangeTheChoiceAsDefined()
    {
        var random = new Random(5);
        for (int trial = 0; trial < 50; trial++)
        {
            var logits = RandomLogits(random, 200);
            var history = Enumerable.Range(0, 20).Select(_ => random.Next(200)).ToArray();
            var options = new SamplerOptions { Temperature = 0, RepetitionPenalty = 1.8f, PresencePenalty = 0.7f, PenaltyWindow = 12 };
            var expected = logits.Select(l => (double)l).ToArray();
            foreach (int t in history[^12..].Distinct())
                expected[t] = (expected[t] > 0 ? expected[t] / 1.8 : expected[t] * 1.8) - 0.7;
            int argmax = Array.IndexOf(expected, expected.Max());
            Assert.Equal(argmax, new Sampler(options, 200).Sample(logits, history));
        }
    }

    [Fact]
    public void OptionsOutOfRangeAreRejected()
    {
        Assert.Throws<ArgumentException>(() => new Sampler(new SamplerOptions { TopP = 0 }, 10));
        Assert.Throws<ArgumentException>(() => new Sampler(new SamplerOptions { Temperature = -1 }, 10));
        Assert.Throws<ArgumentException>(() => new Sampler(new SamplerOptions { TopK = -2 }, 10));
    }
}
