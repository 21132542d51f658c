namespace GroveMoE.Cpu.Quantization;

/// <summary>
/// ggml's Q6_K: super-blocks of 256 stored as 128 bytes of low nibbles, 64 bytes of high 2-bit pairs, 16 int8
/// sub-block scales and an f16 d. In each half of 128 elements, element 32g + l (g &lt; 4) has its low nibble in
/// byte l (g = 0), 32 + l (g = 1) low, or the same bytes' high nibbles (g = 2, 3), and its top two bits at bits 2g
/// of high byte l. Value = d·scale·(q − 32) for the element's sub-block of 16.
/// </summary>
internal static class Q6_K
{
    private const int BlockBytes = 210;

    public static void QuantizeRow(ReadOnlySpan<float> source, Span<byte> destination)
    {
        int blocks = BlockRow.Count(GgmlType.Q6_K, source.Length, destination.Length);
        Span<byte> levels = stackalloc byte[256];
        Span<float> scales = stackalloc float[16];
        for (int b = 0; b < blocks; b++)
        {
            var x = source.Slice(b * 256, 256);
            var block = destination.Slice(b * BlockBytes, BlockBytes);
            float maxScale = 0, amaxScale = 0;
            for (int s = 0; s < 16; s++)
            {
                scales[s] = ScaleSearch.Symmetric(x.Slice(16 * s, 16), 32, levels.Slice(16 * s, 16));
                if (MathF.Abs(scales[s]) > amaxScale)
                {
                    amaxScale = MathF.Abs(scales[s]);
                    maxScale = scales[s];
                }
            }
            block.Clear();
            if (amaxScale < ScaleSearch.ZeroGroup) continue;
            float inverse = -128f / maxScale;
            float d = BlockRow.WriteHalf(block, 208, 1 / inverse);
            for (int s = 0; s < 16; s++)
            {
                sbyte scale = (sbyte)Math.Min(127, ScaleSearch.NearestInt(inverse * scales[s]));
                block[192 + s] = (byte)scale;
                float dl = d * scale;
                if (dl == 0) continue;
                for (int i = 0; i < 16; i++)
                    levels[16 * s + i] = (byte)(Math.Clamp(ScaleSearch.NearestInt(x[16 * s + i] / dl), -32, 31) + 32);
            }
            for (int half = 0; half < 2; half++)
            {
                var l4 = levels.Slice(128 * half, 128);
                var low = block.Slice(64 * half, 64);
                var high = block.Slice(128 + 32 * half, 32);
                for (int l = 0; l < 32; l++)
                {
                    low[l] = (byte)((l4[l] & 0x0F) | ((l4[64 + l] & 0x0F) << 4));
                    low[32 + l] = (byte)((l4[32 + l] & 0x0F) | ((l4[96 + l] & 0x0F) << 4));
                    high[l] = (byte)((l4[l] >> 4) | ((l4[32 + l] >> 4) << 2) | ((l4[64 + l] >> 4) << 4) | ((l4[96 + l] >> 4) << 6));
                }
            }
        }
    }

    public static void DequantizeRow(ReadOnlySpan<byte> source, Span<float> destination)
    {
        int blocks = BlockRow.Count(GgmlType.Q6_K, destination.Length, source.Length);
        for (int b = 0; b < blocks; b++)
        {
            var block = source.Slice(b * BlockBytes, BlockBytes);
            float d = BlockRow.Half(block, 208);
            for (int half = 0; half < 2; half++)
            {
                var low = block.Slice(64 * half, 64);
                var high = block.Slice(128 + 32 * half, 32);
                var scales = block.Slice(192 + 8 * half, 8);
                var y = destination.Slice(b * 256 + 128 * half, 128);
                for (int l = 0; l < 32; l++)
                {
                    int s = l / 16;
                    int h = high[l];
                    y[l] = d * (sbyte)scales[s] * (((low[l] & 0x0F) | ((h & 3) << 4)) - 32);
                    y[32 + l] = d * (sbyte)scales[s + 2] * (((low[32 + l] & 0x0F) | (((h >> 2) & 3) << 4)) - 32);
                    y[64 + l] = d * (sbyte)scales[s + 4] * (((low[l] >> 4) | (((h >> 4) & 3) << 4)) - 32);
                    y[96 + l] = d * (sbyte)scales[s + 6] * (((low[32 + l] >> 4) | (((h >> 6) & 3) << 4)) - 32);
                }
            }
        }
    }
}
