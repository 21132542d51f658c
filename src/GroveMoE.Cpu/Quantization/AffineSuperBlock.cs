namespace GroveMoE.Cpu.Quantization;

/// <summary>
/// The quantizer Q4_K and Q5_K share: eight sub-blocks of 32, each fitted as scale·L − min by the affine search,
/// then the sub-block scales and mins themselves quantized to 6 bits against two f16 super-block factors, and the
/// values rounded again at the scales actually stored.
/// </summary>
internal static class AffineSuperBlock
{
    /// <summary>Fills <paramref name="levels"/> (256 values in [0, nmax]) and the d, dmin and 12 scale bytes of <paramref name="header"/>.</summary>
    /// <param name="header">d at 0, dmin at 2, packed scales at 4..15.</param>
    public static void Quantize(ReadOnlySpan<float> x, int nmax, float rmin, int nstep, Span<byte> header, Span<byte> levels)
    {
        Span<float> weights = stackalloc float[32];
        Span<float> scales = stackalloc float[8];
        Span<float> mins = stackalloc float[8];
        float maxScale = 0, maxMin = 0;
        for (int j = 0; j < 8; j++)
        {
            var xs = x.Slice(32 * j, 32);
            float sumX2 = 0;
            foreach (float v in xs) sumX2 += v * v;
            float average = MathF.Sqrt(sumX2 / 32);
            // Large values weigh more, but no value weighs nothing: |x| plus the group's RMS.
            for (int l = 0; l < 32; l++) weights[l] = average + MathF.Abs(xs[l]);
            scales[j] = ScaleSearch.Affine(xs, weights, nmax, levels.Slice(32 * j, 32), out mins[j], rmin, 0.1f, nstep, absoluteError: false);
            maxScale = MathF.Max(maxScale, scales[j]);
            maxMin = MathF.Max(maxMin, mins[j]);
        }
        float inverseScale = maxScale > 0 ? 63f / maxScale : 0;
        float inverseMin = maxMin > 0 ? 63f / maxMin : 0;
        var packed = header.Slice(4, 12);
        packed.Clear();
        for (int j = 0; j < 8; j++)
        {
            int ls = Math.Min(63, (int)(byte)ScaleSearch.NearestInt(inverseScale * scales[j]));
            int lm = Math.Min(63, (int)(byte)ScaleSearch.NearestInt(inverseMin * mins[j]));
            PackedScales.Set(packed, j, ls, lm);
        }
        float d = BlockRow.WriteHalf(header, 0, maxScale / 63f);
        float dmin = BlockRow.WriteHalf(header, 2, maxMin / 63f);
        for (int j = 0; j < 8; j++)
        {
            var (sc, m) = PackedScales.Get(packed, j);
            float dl = d * sc;
            if (dl == 0) continue;
            float ml = dmin * m;
            for (int i = 0; i < 32; i++)
                levels[32 * j + i] = (byte)Math.Clamp(ScaleSearch.NearestInt((x[32 * j + i] + ml) / dl), 0, nmax);
        }
    }
}
