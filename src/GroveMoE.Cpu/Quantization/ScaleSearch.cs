using System.Runtime.CompilerServices;

namespace GroveMoE.Cpu.Quantization;

/// <summary>
/// The scale searches of ggml's quantizers, the ones llama-quantize runs when it has no importance matrix: for a
/// group of values, try a range of candidate scales, round every value at each, and keep the scale (and min) that
/// minimises the weighted error, solved in closed form per candidate rounding. Same candidates and weights as
/// ggml, so our files are as good as llama-quantize's; written from the method, not the code.
/// </summary>
internal static class ScaleSearch
{
    /// <summary>Groups whose largest magnitude is below this are all zero (ggml's GROUP_MAX_EPS).</summary>
    public const float ZeroGroup = 1e-15f;

    /// <summary>Round half to even, as ggml's nearest_int (valid for |x| &lt; 2^22).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static int NearestInt(float x) => (int)MathF.Round(x);

    /// <summary>
    /// Affine levels x ≈ scale·L − min with L in [0, nmax] and min ≥ 0 (make_qkx2_quants): starting from the
    /// range [min(x,0), max x], tries nstep+1 inverse scales (rmin + rdelta·i + nmax)/range, each with the
    /// least-squares scale and offset for its rounding, keeping the lowest weighted squared (or absolute) error.
    /// </summary>
    /// <returns>The scale; <paramref name="min"/> receives the (non-negative) offset subtracted.</returns>
    public static float Affine(ReadOnlySpan<float> x, ReadOnlySpan<float> weights, int nmax, Span<byte> levels, out float min,
        float rmin, float rdelta, int nstep, bool absoluteError)
    {
        int n = x.Length;
        float lo = x[0], hi = x[0];
        float sumW = weights[0], sumX = weights[0] * x[0];
        for (int i = 1; i < n; i++)
        {
            lo = MathF.Min(lo, x[i]);
            hi = MathF.Max(hi, x[i]);
            sumW += weights[i];
            sumX += weights[i] * x[i];
        }
        if (lo > 0) lo = 0;
        if (hi == lo)
        {
            levels[..n].Clear();
            min = -lo;
            return 0;
        }
        float inverse = nmax / (hi - lo);
        float scale = 1 / inverse;
        float bestError = 0;
        for (int i = 0; i < n; i++)
        {
            int l = Math.Clamp(NearestInt(inverse * (x[i] - lo)), 0, nmax);
            levels[i] = (byte)l;
            bestError += weights[i] * Error(scale * l + lo - x[i], absoluteError);
        }
        Span<byte> trial = stackalloc byte[n];
        for (int step = 0; step <= nstep; step++)
        {
            inverse = (rmin + rdelta * step + nmax) / (hi - lo);
            float sumL = 0, sumL2 = 0, sumXL = 0;
            for (int i = 0; i < n; i++)
            {
                int l = Math.Clamp(NearestInt(inverse * (x[i] - lo)), 0, nmax);
                trial[i] = (byte)l;
                float w = weights[i];
                sumL += w * l;
                sumL2 += w * l * l;
                sumXL += w * l * x[i];
            }
            float det = sumW * sumL2 - sumL * sumL;
            if (det <= 0) continue;
            float trialScale = (sumW * sumXL - sumX * sumL) / det;
            float trialMin = (sumL2 * sumX - sumL * sumXL) / det;
            if (trialMin > 0)
            {
                trialMin = 0;
                trialScale = sumXL / sumL2;
            }
            float error = 0;
            for (int i = 0; i < n; i++) error += weights[i] * Error(trialScale * trial[i] + trialMin - x[i], absoluteError);
            if (error < bestError)
            {
                trial.CopyTo(levels);
                bestError = error;
                scale = trialScale;
                lo = trialMin;
            }
        }
        min = -lo;
        return scale;
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static float Error(float difference, bool absolute) => absolute ? MathF.Abs(difference) : difference * difference;

    /// <summary>
    /// Symmetric levels x ≈ scale·L with L in [−nmax, nmax−1], weights x² (make_qx_quants, rmse_type 1): the scale
    /// through the extreme value, refined by least squares, then 18 more inverse scales (nmax ± 0.1·k)/max.
    /// </summary>
    /// <returns>The scale; <paramref name="levels"/> receives L + nmax.</returns>
    public static float Symmetric(ReadOnlySpan<float> x, int nmax, Span<byte> levels)
    {
        int n = x.Length;
        float max = SignedMax(x, out float amax);
        if (amax < ZeroGroup)
        {
            levels[..n].Clear();
            return 0;
        }
        float inverse = -nmax / max;
        var (sumLX, sumL2) = Fit(x, inverse, nmax, levels);
        float scale = sumL2 != 0 ? sumLX / sumL2 : 0;
        float best = scale * sumLX;
        for (int k = -9; k <= 9; k++)
        {
            if (k == 0) continue;
            inverse = -(nmax + 0.1f * k) / max;
            (sumLX, sumL2) = Fit(x, inverse, nmax, default);
            if (sumL2 > 0 && sumLX * sumLX > best * sumL2)
            {
                Fit(x, inverse, nmax, levels);
                scale = sumLX / sumL2;
                best = scale * sumLX;
            }
        }
        return scale;
    }

    /// <summary>Rounds x·inverse to [−nmax, nmax−1] (stored + nmax when <paramref name="levels"/> is given) and returns Σw·x·l, Σw·l², w = x².</summary>
    private static (float SumLX, float SumL2) Fit(ReadOnlySpan<float> x, float inverse, int nmax, Span<byte> levels)
    {
        float sumLX = 0, sumL2 = 0;
        for (int i = 0; i < x.Length; i++)
        {
            int l = Math.Clamp(NearestInt(inverse * x[i]), -nmax, nmax - 1);
            if (!levels.IsEmpty) levels[i] = (byte)(l + nmax);
            float w = x[i] * x[i];
            sumLX += w * x[i] * l;
            sumL2 += w * l * l;
        }
        return (sumLX, sumL2);
    }

    /// <summary>
    /// Q3_K's symmetric search (make_q3_quants with rmse): round at the extreme value's scale, then up to five
    /// passes that move single values to the level that most improves the x²-weighted least-squares fit.
    /// </summary>
    /// <returns>The scale; <paramref name="levels"/> receives L + nmax.</returns>
    public static float SymmetricRefined(ReadOnlySpan<float> x, int nmax, Span<byte> levels)
    {
        int n = x.Length;
        float max = SignedMax(x, out float amax);
        if (amax < ZeroGroup)
        {
            levels[..n].Clear();
            return 0;
        }
        float inverse = -nmax / max;
        Span<int> l = stackalloc int[n];
        float sumLX = 0, sumL2 = 0;
        for (int i = 0; i < n; i++)
        {
            l[i] = Math.Clamp(NearestInt(inverse * x[i]), -nmax, nmax - 1);
            float w = x[i] * x[i];
            sumLX += w * x[i] * l[i];
            sumL2 += w * l[i] * l[i];
        }
        for (int pass = 0; pass < 5; pass++)
        {
            int changed = 0;
            for (int i = 0; i < n; i++)
            {
                float w = x[i] * x[i];
                float lx = sumLX - w * x[i] * l[i];
                if (lx <= 0) continue;
                float l2 = sumL2 - w * l[i] * l[i];
                int candidate = Math.Clamp(NearestInt(x[i] * l2 / lx), -nmax, nmax - 1);
                if (candidate == l[i]) continue;
                lx += w * x[i] * candidate;
                l2 += w * candidate * candidate;
                if (l2 > 0 && lx * lx * sumL2 > sumLX * sumLX * l2)
                {
                    l[i] = candidate;
                    sumLX = lx;
                    sumL2 = l2;
                    changed++;
                }
            }
            if (changed == 0) break;
        }
        for (int i = 0; i < n; i++) levels[i] = (byte)(l[i] + nmax);
        return sumL2 > 0 ? sumLX / sumL2 : 0;
    }

    /// <summary>
    /// Scale for the non-linear 4-bit grid (IQ4_NL / IQ4_XS sub-blocks): grid value 0 (−127) through the extreme
    /// value and 2·tries+1 inverse scales around it, each scored by the weighted least-squares fit.
    /// </summary>
    public static float NonLinear(ReadOnlySpan<float> x, ReadOnlySpan<float> weights, ReadOnlySpan<sbyte> grid, int tries, Span<byte> levels)
    {
        float max = SignedMax(x, out float amax);
        if (amax < ZeroGroup) return 0;
        float d = tries > 0 ? -max / grid[0] : max / grid[0];
        var (sumQX, sumQ2) = FitGrid(x, weights, grid, 1 / d, levels);
        d = sumQ2 > 0 ? sumQX / sumQ2 : 0;
        float best = d * sumQX;
        for (int t = -tries; t <= tries; t++)
        {
            (sumQX, sumQ2) = FitGrid(x, weights, grid, (t + grid[0]) / max, default);
            if (sumQ2 > 0 && sumQX * sumQX > best * sumQ2)
            {
                d = sumQX / sumQ2;
                best = d * sumQX;
            }
        }
        return d;
    }

    private static (float SumQX, float SumQ2) FitGrid(ReadOnlySpan<float> x, ReadOnlySpan<float> weights, ReadOnlySpan<sbyte> grid,
        float inverse, Span<byte> levels)
    {
        float sumQX = 0, sumQ2 = 0;
        for (int i = 0; i < x.Length; i++)
        {
            int l = NearestGridIndex(grid, inverse * x[i]);
            if (!levels.IsEmpty) levels[i] = (byte)l;
            float q = grid[l];
            sumQX += weights[i] * q * x[i];
            sumQ2 += weights[i] * q * q;
        }
        return (sumQX, sumQ2);
    }

    /// <summary>Index of the grid value nearest <paramref name="x"/> (grid sorted ascending; ties go up).</summary>
    public static int NearestGridIndex(ReadOnlySpan<sbyte> grid, float x)
    {
        if (x <= grid[0]) return 0;
        int last = grid.Length - 1;
        if (x >= grid[last]) return last;
        int lo = 0, hi = last;
        while (hi - lo > 1)
        {
            int mid = (lo + hi) / 2;
            if (x < grid[mid]) hi = mid;
            else lo = mid;
        }
        return x - grid[hi - 1] < grid[hi] - x ? hi - 1 : hi;
    }

    /// <summary>The value of largest magnitude, sign kept (the first one on ties).</summary>
    public static float SignedMax(ReadOnlySpan<float> x, out float amax)
    {
        float max = 0;
        amax = 0;
        foreach (float v in x)
        {
            if (MathF.Abs(v) > amax)
            {
                amax = MathF.Abs(v);
                max = v;
            }
        }
        return max;
    }
}
