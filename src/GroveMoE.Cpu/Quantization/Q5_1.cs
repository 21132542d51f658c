using System.Buffers.Binary;

namespace GroveMoE.Cpu.Quantization;

/// <summary>
/// ggml's Q5_1: blocks of 32 stored as f16 scale d, f16 minimum m, a 32-bit word of fifth bits, then 16 bytes of
/// low nibbles; value = q·d + m with d = (max − min)/31.
/// </summary>
internal static class Q5_1
{
    public static void QuantizeRow(ReadOnlySpan<float> source, Span<byte> destination)
    {
        int blocks = BlockRow.Count(GgmlType.Q5_1, source.Length, destination.Length);
        for (int b = 0; b < blocks; b++)
        {
            var x = source.Slice(b * 32, 32);
            var block = destination.Slice(b * 24, 24);
            float min = float.MaxValue, max = float.MinValue;
            foreach (float v in x)
            {
                min = MathF.Min(min, v);
                max = MathF.Max(max, v);
            }
            float d = (max - min) / 31;
            float id = d != 0 ? 1 / d : 0;
            BlockRow.WriteHalf(block, 0, d);
            BlockRow.WriteHalf(block, 2, min);
            uint high = 0;
            for (int j = 0; j < 16; j++)
            {
                int lo = (byte)((x[j] - min) * id + 0.5f);
                int hi = (byte)((x[j + 16] - min) * id + 0.5f);
                block[8 + j] = (byte)((lo & 0x0F) | ((hi & 0x0F) << 4));
                high |= (uint)((lo >> 4) & 1) << j;
                high |= (uint)((hi >> 4) & 1) << (j + 16);
            }
            BinaryPrimitives.WriteUInt32LittleEndian(block[4..], high);
        }
    }

    public static void DequantizeRow(ReadOnlySpan<byte> source, Span<float> destination)
    {
        int blocks = BlockRow.Count(GgmlType.Q5_1, destination.Length, source.Length);
        for (int b = 0; b < blocks; b++)
        {
            var block = source.Slice(b * 24, 24);
            float d = BlockRow.Half(block, 0), m = BlockRow.Half(block, 2);
            uint high = BinaryPrimitives.ReadUInt32LittleEndian(block[4..]);
            var y = destination.Slice(b * 32, 32);
            for (int j = 0; j < 16; j++)
            {
                y[j] = ((block[8 + j] & 0x0F) | (int)((high >> j) & 1) << 4) * d + m;
                y[j + 16] = ((block[8 + j] >> 4) | (int)((high >> (j + 16)) & 1) << 4) * d + m;
            }
        }
    }
}
