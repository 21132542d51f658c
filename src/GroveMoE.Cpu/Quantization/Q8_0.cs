using System.Buffers.Binary;

namespace GroveMoE.Cpu.Quantization;

/// <summary>
/// ggml's Q8_0: blocks of 32 values stored as an f16 scale d followed by 32 int8 quants; value = q * d,
/// d = max|x| / 127, q = round-half-away(x / d).
/// </summary>
internal static class Q8_0
{
    public const int BlockSize = 32;
    public const int BlockBytes = 34;

    public static void QuantizeRow(ReadOnlySpan<float> source, Span<byte> destination)
    {
        int blocks = CheckedBlocks(source.Length, destination.Length);
        for (int b = 0; b < blocks; b++)
        {
            var x = source.Slice(b * BlockSize, BlockSize);
            var block = destination.Slice(b * BlockBytes, BlockBytes);
            float amax = 0;
            foreach (float v in x) amax = MathF.Max(amax, MathF.Abs(v));
            float d = amax / 127f;
            float id = d != 0 ? 1f / d : 0f;
            BinaryPrimitives.WriteHalfLittleEndian(block, (Half)d);
            for (int j = 0; j < BlockSize; j++)
                block[2 + j] = (byte)(sbyte)MathF.Round(x[j] * id, MidpointRounding.AwayFromZero);
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
            for (int j = 0; j < BlockSize; j++) y[j] = (sbyte)block[2 + j] * d;
        }
    }

    private static int CheckedBlocks(int values, int bytes)
    {
        if (values % BlockSize != 0) throw new ArgumentException($"Q8_0 rows hold multiples of {BlockSize} values, got {values}", nameof(values));
        int blocks = values / BlockSize;
        if (bytes < blocks * BlockBytes) throw new ArgumentException("Q8_0 buffer too small", nameof(bytes));
        return blocks;
    }
}
