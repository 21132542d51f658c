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
}
