namespace GroveMoE.Cpu.Quantization;

/// <summary>
/// ggml's Q5_K: Q4_K with a fifth bit. Layout: f16 d, f16 dmin, 12 bytes of packed scales and mins, 32 bytes of
/// high bits (bit s of byte l is element 32s + l's), 128 bytes of low nibbles as in Q4_K.
/// Value = d·scale·q − dmin·min, q in [0, 31].
/// </summary>
internal static class Q5_K
{
    private const int BlockBytes = 176;

    public static void QuantizeRow(ReadOnlySpan<float> source, Span<byte> destination)
    {
        int blocks = BlockRow.Count(GgmlType.Q5_K, source.Length, destination.Length);
        Span<byte> levels = stackalloc byte[256];
        for (int b = 0; b < blocks; b++)
        {
            var block = destination.Slice(b * BlockBytes, BlockBytes);
            AffineSuperBlock.Quantize(source.Slice(b * 256, 256), 31, -0.5f, 15, block, levels);
            var high = block.Slice(16, 32);
            var low = block[48..];
            high.Clear();
            for (int c = 0; c < 4; c++)
            {
                for (int l = 0; l < 32; l++)
                {
                    int a = levels[64 * c + l], z = levels[64 * c + 32 + l];
                    low[32 * c + l] = (byte)((a & 0x0F) | ((z & 0x0F) << 4));
                    high[l] |= (byte)(((a >> 4) << (2 * c)) | ((z >> 4) << (2 * c + 1)));
                }
            }
        }
    }

    public static void DequantizeRow(ReadOnlySpan<byte> source, Span<float> destination)
    {
        int blocks = BlockRow.Count(GgmlType.Q5_K, destination.Length, source.Length);
        for (int b = 0; b < blocks; b++)
        {
            var block = source.Slice(b * BlockBytes, BlockBytes);
            float d = BlockRow.Half(block, 0), dmin = BlockRow.Half(block, 2);
            var packed = block.Slice(4, 12);
            var high = block.Slice(16, 32);
            var y = destination.Slice(b * 256, 256);
            for (int c = 0; c < 4; c++)
            {
                var q = block.Slice(48 + 32 * c, 32);
                var (sc0, m0) = PackedScales.Get(packed, 2 * c);
                var (sc1, m1) = PackedScales.Get(packed, 2 * c + 1);
                float d0 = d * sc0, min0 = dmin * m0, d1 = d * sc1, min1 = dmin * m1;
                for (int l = 0; l < 32; l++)
                {
                    y[64 * c + l] = d0 * ((q[l] & 0x0F) + ((high[l] >> (2 * c)) & 1) * 16) - min0;
                    y[64 * c + 32 + l] = d1 * ((q[l] >> 4) + ((high[l] >> (2 * c + 1)) & 1) * 16) - min1;
                }
            }
        }
    }
}
