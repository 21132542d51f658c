namespace GroveMoE.Cpu.Quantization;

/// <summary>
/// ggml's Q4_K: super-blocks of 256 stored as f16 d, f16 dmin, 12 bytes of 6-bit sub-block scales and mins
/// (<see cref="PackedScales"/>), then 128 bytes of nibbles: each 32 bytes hold sub-block 2c in their low nibbles and
/// 2c+1 in their high ones. Value = d·scale·q − dmin·min for the element's sub-block of 32.
/// </summary>
internal static class Q4_K
{
    private const int BlockBytes = 144;

    public static void QuantizeRow(ReadOnlySpan<float> source, Span<byte> destination)
    {
        int blocks = BlockRow.Count(GgmlType.Q4_K, source.Length, destination.Length);
        Span<byte> levels = stackalloc byte[256];
        for (int b = 0; b < blocks; b++)
        {
            var block = destination.Slice(b * BlockBytes, BlockBytes);
            AffineSuperBlock.Quantize(source.Slice(b * 256, 256), 15, -1f, 20, block, levels);
            var q = block[16..];
            for (int c = 0; c < 4; c++)
                for (int l = 0; l < 32; l++) q[32 * c + l] = (byte)(levels[64 * c + l] | (levels[64 * c + 32 + l] << 4));
        }
    }

    public static void DequantizeRow(ReadOnlySpan<byte> source, Span<float> destination)
    {
        int blocks = BlockRow.Count(GgmlType.Q4_K, destination.Length, source.Length);
        for (int b = 0; b < blocks; b++)
        {
            var block = source.Slice(b * BlockBytes, BlockBytes);
            float d = BlockRow.Half(block, 0), dmin = BlockRow.Half(block, 2);
            var packed = block.Slice(4, 12);
            var y = destination.Slice(b * 256, 256);
            for (int c = 0; c < 4; c++)
            {
                var q = block.Slice(16 + 32 * c, 32);
                var (sc0, m0) = PackedScales.Get(packed, 2 * c);
                var (sc1, m1) = PackedScales.Get(packed, 2 * c + 1);
                float d0 = d * sc0, min0 = dmin * m0, d1 = d * sc1, min1 = dmin * m1;
                for (int l = 0; l < 32; l++)
                {
                    y[64 * c + l] = d0 * (q[l] & 0x0F) - min0;
                    y[64 * c + 32 + l] = d1 * (q[l] >> 4) - min1;
                }
            }
        }
    }
}
