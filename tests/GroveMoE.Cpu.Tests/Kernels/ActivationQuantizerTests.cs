using GroveMoE.Cpu.Kernels;

namespace GroveMoE.Cpu.Tests.Kernels;

/// <summary>
/// Both quantizer paths against the float64 definition: d = max|x| / 127, q = round(x / d) half away from zero,
/// sum = Σq, low sum = Σ of the first 16. The kernels compute x·(1/d) in float, which can move a value lying within float rounding of a
/// .5 tie to the other side, so only there may q differ from the float64 rounding, and by one.
/// </summary>
public sealed class ActivationQuantizerTests
{
    public delegate void Quantize(ReadOnlySpan<float> x, Span<sbyte> quants, Span<float> scales, Span<int> sums, Span<int> lowSums);

    [Theory]
    [InlineData(32)]
    [InlineData(64)]
    [InlineData(2048)]
    [InlineData(4128)]
    public void ScalarMatchesDefinition(int length) => Check(ActivationQuantizer.QuantizeRowScalar, length);

    [Theory]
    [InlineData(32)]
    [InlineData(64)]
    [InlineData(2048)]
    [InlineData(4128)]
    public void Vector256MatchesDefinitionAndScalarBits(int length)
    {
        Check(ActivationQuantizer.QuantizeRowVector256, length);
        var x = RandomRow(length, new Random(length));
        var (q1, s1, m1, l1) = Run(ActivationQuantizer.QuantizeRowScalar, x);
        var (q2, s2, m2, l2) = Run(ActivationQuantizer.QuantizeRowVector256, x);
        Assert.Equal(q1, q2);
        Assert.Equal(s1, s2);
        Assert.Equal(m1, m2);
        Assert.Equal(l1, l2);
    }

    private static void Check(Quantize quantize, int length)
    {
        var random = new Random(length * 7 + 1);
        for (int trial = 0; trial < 5; trial++)
        {
            var x = RandomRow(length, random);
            var (quants, scales, sums, lowSums) = Run(quantize, x);
            for (int b = 0; b < length / 32; b++)
            {
                double amax = 0;
                for (int j = 0; j < 32; j++) amax = Math.Max(amax, Math.Abs((double)x[b * 32 + j]));
                double d = amax / 127;
                Assert.True(Math.Abs(scales[b] - d) <= d * Math.Pow(2, -24), $"block {b}: scale {scales[b]}, expected {d}");
                int sum = 0, lowSum = 0;
                for (int j = 0; j < 32; j++)
                {
                    int q = quants[b * 32 + j];
                    double v = d == 0 ? 0 : x[b * 32 + j] / d;
                    double expected = Math.Round(v, MidpointRounding.AwayFromZero);
                    double fromTie = Math.Abs(Math.Abs(v) - Math.Floor(Math.Abs(v)) - 0.5);
                    // |x·fl(1/d) - x/d| ≤ 2·2^-24·127 < 2e-5 for |x/d| ≤ 127.
                    bool nearTie = fromTie < 2e-5;
                    Assert.True(q == expected || (nearTie && Math.Abs(q - expected) == 1),
                        $"block {b} element {j}: x={x[b * 32 + j]} x/d={v} q={q} expected {expected}");
                    Assert.InRange(q, -127, 127);
                    sum += q;
                    if (j < 16) lowSum += q;
                }
                Assert.Equal(sum, sums[b]);
                Assert.Equal(lowSum, lowSums[b]);
            }
        }
    }

    private static (sbyte[] Quants, float[] Scales, int[] Sums, int[] LowSums) Run(Quantize quantize, float[] x)
    {
        var quants = new sbyte[x.Length];
        var scales = new float[x.Length / 32];
        var sums = new int[x.Length / 32];
        var lowSums = new int[x.Length / 32];
        quantize(x, quants, scales, sums, lowSums);
        return (quants, scales, sums, lowSums);
    }

    /// <summary>Gaussian-ish values, an all-zero block, and a block with max 127 whose other values sit exactly on .5 ties.</summary>
    private static float[] RandomRow(int length, Random random)
    {
        var x = new float[length];
        for (int i = 0; i < length; i++)
            x[i] = (float)((random.NextDouble() + random.NextDouble() + random.NextDouble() - 1.5) * Math.Pow(10, random.Next(-3, 3)));
        if (length >= 64)
        {
            Array.Clear(x, 0, 32);
            x[32] = 127;
            for (int j = 33; j < 64; j++) x[j] = random.Next(-126, 126) + 0.5f;
        }
        return x;
    }
}
