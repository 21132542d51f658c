using System.Buffers.Binary;

namespace GroveMoE.Cpu.Quantization;

/// <summary>
/// ggml's Q5_0: blocks of 32 stored as f16 scale d, a 32-bit word of fifth bits (bit j for element j), then 16
/// bytes of low nibbles (element j low, j+16 high); value = (q − 16)·d, d = m / −16 for the extreme value m.
/// </summary>
internal static class Q5_0
{
    public static void QuantizeRow(ReadOnlySpan<float> source, Span<byte> destination)
    {
        int blocks = BlockRow.Count(GgmlType.Q5_0, source.Length, destination.Length);
        for (int b = 0; b < blocks; b++)
        {
            var x = source.Slice(b * 32, 32);
            var block = destination.Slice(b * 22, 22);
            float d = ScaleSearch.SignedMax(x, out _) / -16;
            float id = d != 0 ? 1 / d : 0;
            BlockRow.WriteHalf(block, 0, d);
            uint high = 0;
            for (int j = 0; j < 16; j++)
            {
                int lo = Math.Min(31, (int)(sbyte)(x[j] * id + 16.5f));
                int hi = Math.Min(31, (int)(sbyte)(x[j + 16] * id + 16.5f));
                block[6 + j] = (byte)((lo & 0x0F) | ((hi & 0x0F) << 4));
                high |= (uint)(lo >> 4) << j;
                high |= (uint)(hi >> 4) << (j + 16);
            }
            BinaryPrimitives.WriteUInt32LittleEndian(block[2..], high);
        }
    }

    public static void DequantizeRow(ReadOnlySpan<byte> source, Span<float> destination)
    {
        int blocks = BlockRow.Count(GgmlType.Q5_0, destination.Length, source.Length);
        for (int b = 0; b < blocks; b++)
        {
            var block = source.Slice(b * 22, 22);
            float d = BlockRow.Half(block, 0);
            uint high = BinaryPrimitives.ReadUInt32LittleEndian(block[2..]);
            var y = destination.Slice(b * 32, 32);
            for (int j = 0; j < 16; j++)
            {
                y[j] = (((block[6 + j] & 0x0F) | (int)((high >> j) & 1) << 4) - 16) * d;
                y[j + 16] = (((block[6 + j] >> 4) | (int)((high >> (j + 16)) & 1) << 4) - 16) * d;
            }
        }
    }
}
