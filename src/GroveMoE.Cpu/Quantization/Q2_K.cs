namespace GroveMoE.Cpu.Quantization;

/// <summary>
/// ggml's Q2_K: super-blocks of 256 stored as 16 bytes of sub-block scales (low nibble) and mins (high nibble),
/// 64 bytes of 2-bit quants, f16 d and f16 dmin. In each half of 128 elements, element 32g + l (g &lt; 4) sits at
/// bits 2g of byte l. Value = d·scale·q − dmin·min for the element's sub-block of 16.
/// </summary>
internal static class Q2_K
{
    private const int BlockBytes = 84;

    public static void QuantizeRow(ReadOnlySpan<float> source, Span<byte> destination)
    {
        int blocks = BlockRow.Count(GgmlType.Q2_K, source.Length, destination.Length);
        Span<byte> levels = stackalloc byte[256];
        Span<float> weights = stackalloc float[16];
        Span<float> scales = stackalloc float[16];
        Span<float> mins = stackalloc float[16];
        for (int b = 0; b < blocks; b++)
        {
            var x = source.Slice(b * 256, 256);
            var block = destination.Slice(b * BlockBytes, BlockBytes);
            float maxScale = 0, maxMin = 0;
            for (int s = 0; s < 16; s++)
            {
                var xs = x.Slice(16 * s, 16);
                for (int l = 0; l < 16; l++) weights[l] = MathF.Abs(xs[l]);
                scales[s] = ScaleSearch.Affine(xs, weights, 3, levels.Slice(16 * s, 16), out mins[s], -0.5f, 0.1f, 15, absoluteError: true);
                maxScale = MathF.Max(maxScale, scales[s]);
                maxMin = MathF.Max(maxMin, mins[s]);
            }
            var packed = block[..16];
            packed.Clear();
            if (maxScale > 0)
            {
                float inverse = 15f / maxScale;
                for (int s = 0; s < 16; s++) packed[s] = (byte)ScaleSearch.NearestInt(inverse * scales[s]);
            }
            float d = BlockRow.WriteHalf(block, 80, maxScale > 0 ? maxScale / 15f : 0);
            if (maxMin > 0)
            {
                float inverse = 15f / maxMin;
                for (int s = 0; s < 16; s++) packed[s] |= (byte)(ScaleSearch.NearestInt(inverse * mins[s]) << 4);
            }
            float dmin = BlockRow.WriteHalf(block, 82, maxMin > 0 ? maxMin / 15f : 0);
            for (int s = 0; s < 16; s++)
            {
                float dl = d * (packed[s] & 0x0F);
                if (dl == 0) continue;
                float ml = dmin * (packed[s] >> 4);
                for (int i = 0; i < 16; i++)
                    levels[16 * s + i] = (byte)Math.Clamp(ScaleSearch.NearestInt((x[16 * s + i] + ml) / dl), 0, 3);
            }
            var q = block.Slice(16, 64);
            for (int half = 0; half < 2; half++)
            {
                for (int l = 0; l < 32; l++)
                {
                    int at = 128 * half + l;
                    q[32 * half + l] = (byte)(levels[at] | (levels[at + 32] << 2) | (levels[at + 64] << 4) | (levels[at + 96] << 6));
                }
            }
        }
    }

    public static void DequantizeRow(ReadOnlySpan<byte> source, Span<float> destination)
    {
        int blocks = BlockRow.Count(GgmlType.Q2_K, destination.Length, source.Length);
        for (int b = 0; b < blocks; b++)
        {
            var block = source.Slice(b * BlockBytes, BlockBytes);
            float d = BlockRow.Half(block, 80), dmin = BlockRow.Half(block, 82);
            var y = destination.Slice(b * 256, 256);
            for (int half = 0; half < 2; half++)
            {
                var q = block.Slice(16 + 32 * half, 32);
                for (int g = 0; g < 4; g++)
                {
                    for (int part = 0; part < 2; part++)
                    {
                        int scale = block[8 * half + 2 * g + part];
                        float dl = d * (scale & 0x0F), ml = dmin * (scale >> 4);
                        int at = 128 * half + 32 * g + 16 * part;
                        for (int l = 0; l < 16; l++) y[at + l] = dl * ((q[16 * part + l] >> (2 * g)) & 3) - ml;
                    }
                }
            }
        }
    }
}
