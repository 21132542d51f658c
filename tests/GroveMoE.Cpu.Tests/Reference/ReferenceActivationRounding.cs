namespace GroveMoE.Cpu.Tests.Reference;

/// <summary>
/// Q8 rounding of an activation vector, in float32 exactly as an int8 dot kernel sees it: per block of 32,
/// d = max|x| / 127, q = round-half-away-from-zero(x * (1/d)), value = q * d.
/// </summary>
public static class ReferenceActivationRounding
{
    public static double[] RoundToQ8(double[] x)
    {
        var rounded = new double[x.Length];
        for (int b = 0; b < x.Length / 32; b++)
        {
            float amax = 0;
            for (int j = 0; j < 32; j++) amax = Math.Max(amax, Math.Abs((float)x[32 * b + j]));
            float d = amax / 127f;
            float inverse = d != 0 ? 1f / d : 0f;
            for (int j = 0; j < 32; j++)
            {
                float q = MathF.Round((float)x[32 * b + j] * inverse, MidpointRounding.AwayFromZero);
                rounded[32 * b + j] = q * (double)d;
            }
        }
        return rounded;
    }

    /// <summary>
    /// llama.cpp's Q8_K activation blocks (what its K-quant and IQ4_XS dots read): per block of 256, m = the value
    /// of largest magnitude (the first), iscale = −127/m, q = min(127, round-half-even(iscale·x)), value = q·(1/iscale).
    /// </summary>
    public static double[] RoundToQ8K(double[] x)
    {
        var rounded = new double[x.Length];
        for (int b = 0; b < x.Length / 256; b++)
        {
            float max = 0, amax = 0;
            for (int j = 0; j < 256; j++)
            {
                float v = (float)x[256 * b + j];
                if (MathF.Abs(v) > amax) { amax = MathF.Abs(v); max = v; }
            }
            if (amax == 0) continue;
            float iscale = -127f / max, d = 1 / iscale;
            for (int j = 0; j < 256; j++)
                rounded[256 * b + j] = Math.Min(127f, MathF.Round(iscale * (float)x[256 * b + j], MidpointRounding.ToEven)) * (double)d;
        }
        return rounded;
    }

    /// <summary>
    /// llama.cpp's x86 Q8_0 activation blocks (what its Q4_0, Q5_0, Q8_0 and IQ4_NL dots read; Q4_1/Q5_1's Q8_1 has
    /// the same quants and scale): per block of 32, q = round-half-even(x·127/max|x|) with the f32 scale, but the value
    /// is q times that scale rounded to f16.
    /// </summary>
    public static double[] RoundToQ8_0(double[] x)
    {
        var rounded = new double[x.Length];
        for (int b = 0; b < x.Length / 32; b++)
        {
            float amax = 0;
            for (int j = 0; j < 32; j++) amax = Math.Max(amax, Math.Abs((float)x[32 * b + j]));
            float d = (float)(Half)(amax / 127f);
            float inverse = amax != 0 ? 127f / amax : 0f;
            for (int j = 0; j < 32; j++)
                rounded[32 * b + j] = MathF.Round((float)x[32 * b + j] * inverse, MidpointRounding.ToEven) * (double)d;
        }
        return rounded;
    }
}
