namespace GroveMoE.Cpu.Quantization;

/// <summary>
/// ggml's Q4_1: blocks of 32 stored as f16 scale d, f16 minimum m, then 16 bytes of nibbles (element j low,
/// j+16 high); value = q·d + m with d = (max − min)/15.
/// </summary>
internal static class Q4_1
{
    public static void QuantizeRow(ReadOnlySpan<float> source, Span<byte> destination)
    {
        int blocks = BlockRow.Count(GgmlType.Q4_1, source.Length, destination.Length);
        for (int b = 0; b < blocks; b++)
        {
            var x = source.Slice(b * 32, 32);
            var block = destination.Slice(b * 20, 20);
            float min = float.MaxValue, max = float.MinValue;
            foreach (float v in x)
            {
                min = MathF.Min(min, v);
                max = MathF.Max(max, v);
            }
            float d = (max - min) / 15;
            float id = d != 0 ? 1 / d : 0;
            BlockRow.WriteHalf(block, 0, d);
            BlockRow.WriteHalf(block, 2, min);
            for (int j = 0; j < 16; j++)
            {
                // Truncation after +0.5 (ggml's rounding), clamped to the 15 that a value at max can overshoot.
                int lo = Math.Min(15, (int)(sbyte)((x[j] - min) * id + 0.5f));
                int hi = Math.Min(15, (int)(sbyte)((x[j + 16] - min) * id + 0.5f));
                block[4 + j] = (byte)(lo | (hi << 4));
            }
        }
    }

    public static void DequantizeRow(ReadOnlySpan<byte> source, Span<float> destination)
    {
        int blocks = BlockRow.Count(GgmlType.Q4_1, destination.Length, source.Length);
        for (int b = 0; b < blocks; b++)
        {
            var block = source.Slice(b * 20, 20);
            float d = BlockRow.Half(block, 0), m = BlockRow.Half(block, 2);
            var y = destination.Slice(b * 32, 32);
            for (int j = 0; j < 16; j++)
            {
                y[j] = (block[4 + j] & 0x0F) * d + m;
                y[j + 16] = (block[4 + j] >> 4) * d + m;
            }
        }
    }
}
