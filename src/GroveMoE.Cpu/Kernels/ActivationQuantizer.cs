namespace GroveMoE.Cpu.Kernels;

/// <summary>Quantizes an activation row to Q8 blocks (scale = max|x| / 127, round half away from zero), as ggml's Q8_0.</summary>
public static class ActivationQuantizer
{
    public static void QuantizeRow(ReadOnlySpan<float> x, Span<sbyte> quants, Span<float> scales, Span<int> sums)
    {
        int blocks = x.Length / Q8Activations.BlockSize;
        for (int b = 0; b < blocks; b++)
        {
            var block = x.Slice(b * Q8Activations.BlockSize, Q8Activations.BlockSize);
            float amax = 0;
            foreach (float v in block) amax = MathF.Max(amax, MathF.Abs(v));
            float d = amax / 127f;
            float id = d != 0 ? 1f / d : 0f;
            int sum = 0;
            for (int j = 0; j < Q8Activations.BlockSize; j++)
            {
                int q = (int)MathF.Round(block[j] * id, MidpointRounding.AwayFromZero);
                quants[b * Q8Activations.BlockSize + j] = (sbyte)q;
                sum += q;
            }
            scales[b] = d;
            sums[b] = sum;
        }
    }
}
