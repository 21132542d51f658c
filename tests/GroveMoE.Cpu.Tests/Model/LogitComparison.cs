namespace GroveMoE.Cpu.Tests.Model;

/// <summary>Measures how far production logits are from reference logits, position by position.</summary>
public static class LogitComparison
{
    /// <summary>The worst over positions of max|Δ| / max|ref| within the position's row: every logit is looked at.</summary>
    public static double WorstRelativeError(ReadOnlySpan<float> actual, double[][] expected)
    {
        double worst = 0;
        int vocab = expected[0].Length;
        Assert.Equal(expected.Length * vocab, actual.Length);
        for (int t = 0; t < expected.Length; t++)
        {
            double maxDiff = 0, maxRef = 0;
            for (int i = 0; i < vocab; i++)
            {
                Assert.False(float.IsNaN(actual[t * vocab + i]) || float.IsInfinity(actual[t * vocab + i]), $"logit {t},{i} is not finite");
                maxDiff = Math.Max(maxDiff, Math.Abs(actual[t * vocab + i] - expected[t][i]));
                maxRef = Math.Max(maxRef, Math.Abs(expected[t][i]));
            }
            worst = Math.Max(worst, maxDiff / maxRef);
        }
        return worst;
    }

    public static double WorstRelativeError(ReadOnlySpan<float> actual, ReadOnlySpan<float> expected, int vocab) =>
        WorstRelativeError(actual, Rows(expected, vocab));

    public static double[][] Rows(ReadOnlySpan<float> flat, int vocab)
    {
        var rows = new double[flat.Length / vocab][];
        for (int t = 0; t < rows.Length; t++)
        {
            rows[t] = new double[vocab];
            for (int i = 0; i < vocab; i++) rows[t][i] = flat[t * vocab + i];
        }
        return rows;
    }

    /// <summary>Fraction of positions whose arg-max token agrees.</summary>
    public static double TopOneAgreement(ReadOnlySpan<float> actual, double[][] expected)
    {
        int vocab = expected[0].Length, agree = 0;
        for (int t = 0; t < expected.Length; t++)
        {
            int best = 0;
            for (int i = 1; i < vocab; i++) if (actual[t * vocab + i] > actual[t * vocab + best]) best = i;
            int bestRef = Array.IndexOf(expected[t], expected[t].Max());
            if (best == bestRef) agree++;
        }
        return (double)agree / expected.Length;
    }
}
