using System.Buffers.Binary;

namespace GroveMoE.Cpu.Quantization;

/// <summary>
/// ggml's Q4_0: blocks of 32 values stored as an f16 scale d followed by 16 bytes; byte j holds element j in
/// its low nibble and element j+16 in its high nibble; value = (nibble - 8) * d. d = m / -8 where m is the
/// element of largest magnitude (sign kept), so that element maps exactly to nibble 0.
/// </summary>
internal static class Q4_0
{
    public const int BlockSize = 32;
    public const int BlockBytes = 18;

    public static void QuantizeRow(ReadOnlySpan<float> source, Span<byte> destination)
    {
        int blocks = CheckedBlocks(source.Length, destination.Length);
        for (int b = 0; b < blocks; b++)
        {
            var x = source.Slice(b * BlockSize, BlockSize);
            var block = destination.Slice(b * BlockBytes, BlockBytes);
            float amax = 0, max = 0;
            foreach (float v in x)
            {
                if (amax < MathF.Abs(v))
                {
                    amax = MathF.Abs(v);
                    max = v;
                }
            }
            float d = max / -8f;
            float id = d != 0 ? 1f / d : 0f;
            BinaryPrimitives.WriteHalfLittleEndian(block, (Half)d);
            for (int j = 0; j < BlockSize / 2; j++)
            {
                // (sbyte) truncates toward zero, so +8.5 rounds to nearest; clamp the one value that can reach 16.
                int lo = Math.Min(15, (int)(sbyte)(x[j] * id + 8.5f));
                int hi = Math.Min(15, (int)(sbyte)(x[j + BlockSize / 2] * id + 8.5f));
                block[2 + j] = (byte)(lo | (hi << 4));
            }
        }
    }

    public static void DequantizeRow(ReadOnlySpan<byte> source, Span<float> destination)
    {
        int blocks = CheckedBlocks(destination.Length, source.Length);
        for (int b = 0; b < blocks; b++)
        {
            var block = source.Slice(b * BlockBytes, BlockBytes);
            float d = (float)BinaryPrimitives.ReadHalfLittleEndian(block);
            var y = destination.Slice(b * BlockSize, BlockSize);
            for (int j = 0; j < BlockSize / 2; j++)
            {
                y[j] = ((block[2 + j] & 0x0F) - 8) * d;
                y[j + BlockSize / 2] = ((block[2 + j] >> 4) - 8) * d;
            }
        }
    }

    private static int CheckedBlocks(int values, int bytes)
    {
        if (values % BlockSize != 0) throw new ArgumentException($"Q4_0 rows hold multiples of {BlockSize} values, got {values}", nameof(values));
        int blocks = values / BlockSize;
        if (bytes < blocks * BlockBytes) throw new ArgumentException("Q4_0 buffer too small", nameof(bytes));
        return blocks;
    }
}
