namespace GroveMoE.Cpu.Quantization;

/// <summary>
/// ggml's Q3_K: super-blocks of 256 stored as 32 bytes of high bits, 64 bytes of low 2-bit pairs, 12 bytes of
/// 6-bit signed sub-block scales and an f16 d. Element 128h + 32g + l (h &lt; 2, g &lt; 4) has its low bits at bits 2g
/// of byte 32h + l and its high bit at bit 4h + g of high byte l; q = low − (high ? 0 : 4) in [−4, 3].
/// Scale s (of 16): low nibble of byte s (s &lt; 8) or high nibble of byte s − 8, top two bits at bits 2(s/4) of
/// byte 8 + s%4; value = d·(scale − 32)·q.
/// </summary>
internal static class Q3_K
{
    private const int BlockBytes = 110;

    public static int Scale(ReadOnlySpan<byte> packed, int s)
    {
        int low = s < 8 ? packed[s] & 0x0F : packed[s - 8] >> 4;
        return (low | (((packed[8 + s % 4] >> (2 * (s / 4))) & 3) << 4)) - 32;
    }

    public static void QuantizeRow(ReadOnlySpan<float> source, Span<byte> destination)
    {
        int blocks = BlockRow.Count(GgmlType.Q3_K, source.Length, destination.Length);
        Span<byte> levels = stackalloc byte[256];
        Span<float> scales = stackalloc float[16];
        for (int b = 0; b < blocks; b++)
        {
            var x = source.Slice(b * 256, 256);
            var block = destination.Slice(b * BlockBytes, BlockBytes);
            block.Clear();
            float maxScale = 0, amax = 0;
            for (int s = 0; s < 16; s++)
            {
                scales[s] = ScaleSearch.SymmetricRefined(x.Slice(16 * s, 16), 4, levels.Slice(16 * s, 16));
                if (MathF.Abs(scales[s]) > amax)
                {
                    amax = MathF.Abs(scales[s]);
                    maxScale = scales[s];
                }
            }
            var packed = block.Slice(96, 12);
            float d = 0;
            if (maxScale != 0)
            {
                float inverse = -32f / maxScale;
                for (int s = 0; s < 16; s++)
                {
                    int l = Math.Clamp((int)(sbyte)ScaleSearch.NearestInt(inverse * scales[s]), -32, 31) + 32;
                    if (s < 8) packed[s] = (byte)(l & 0x0F);
                    else packed[s - 8] |= (byte)((l & 0x0F) << 4);
                    packed[8 + s % 4] |= (byte)((l >> 4) << (2 * (s / 4)));
                }
                d = BlockRow.WriteHalf(block, 108, 1 / inverse);
            }
            for (int s = 0; s < 16; s++)
            {
                float dl = d * Scale(packed, s);
                if (dl == 0) continue;
                for (int i = 0; i < 16; i++)
                    levels[16 * s + i] = (byte)(Math.Clamp(ScaleSearch.NearestInt(x[16 * s + i] / dl), -4, 3) + 4);
            }
            var high = block[..32];
            var q = block.Slice(32, 64);
            for (int e = 0; e < 256; e++)
            {
                int l = levels[e];
                if (l > 3)
                {
                    high[e % 32] |= (byte)(1 << (e / 32));
                    l -= 4;
                }
                int half = e / 128, g = e % 128 / 32;
                q[32 * half + e % 32] |= (byte)(l << (2 * g));
            }
        }
    }

    public static void DequantizeRow(ReadOnlySpan<byte> source, Span<float> destination)
    {
        int blocks = BlockRow.Count(GgmlType.Q3_K, destination.Length, source.Length);
        for (int b = 0; b < blocks; b++)
        {
            var block = source.Slice(b * BlockBytes, BlockBytes);
            float d = BlockRow.Half(block, 108);
            var high = block[..32];
            var packed = block.Slice(96, 12);
            var y = destination.Slice(b * 256, 256);
            for (int half = 0; half < 2; half++)
            {
                var q = block.Slice(32 + 32 * half, 32);
                for (int g = 0; g < 4; g++)
                {
                    int bit = 4 * half + g;
                    for (int part = 0; part < 2; part++)
                    {
                        float dl = d * Scale(packed, 8 * half + 2 * g + part);
                        int at = 128 * half + 32 * g + 16 * part;
                        for (int l = 0; l < 16; l++)
                        {
                            int i = 16 * part + l;
                            y[at + l] = dl * (((q[i] >> (2 * g)) & 3) - (((high[i] >> bit) & 1) != 0 ? 0 : 4));
                        }
                    }
                }
            }
        }
    }
}
