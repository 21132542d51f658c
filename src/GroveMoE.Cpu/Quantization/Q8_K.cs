using System.Buffers.Binary;

namespace GroveMoE.Cpu.Quantization;

/// <summary>
/// ggml's Q8_K, the activation blocks K-quant weights are dotted with: 256 values as an f32 scale d, 256 int8
/// quants and 16 int16 sums of each 16 quants. d = m / −127 for the extreme value m (so it maps to −127), q = round(x/d).
/// </summary>
internal static class Q8_K
{
    private const int BlockBytes = 292;

    public static void QuantizeRow(ReadOnlySpan<float> source, Span<byte> destination)
    {
        int blocks = BlockRow.Count(GgmlType.Q8_K, source.Length, destination.Length);
        for (int b = 0; b < blocks; b++)
        {
            var x = source.Slice(b * 256, 256);
            var block = destination.Slice(b * BlockBytes, BlockBytes);
            block.Clear();
            float max = ScaleSearch.SignedMax(x, out float amax);
            if (amax == 0) continue;
            float inverse = -127f / max;
            BinaryPrimitives.WriteSingleLittleEndian(block, 1 / inverse);
            for (int s = 0; s < 16; s++)
            {
                int sum = 0;
                for (int i = 0; i < 16; i++)
                {
                    int q = Math.Min(127, ScaleSearch.NearestInt(inverse * x[16 * s + i]));
                    block[4 + 16 * s + i] = (byte)(sbyte)q;
                    sum += q;
                }
                BinaryPrimitives.WriteInt16LittleEndian(block[(260 + 2 * s)..], (short)sum);
            }
        }
    }

    public static void DequantizeRow(ReadOnlySpan<byte> source, Span<float> destination)
    {
        int blocks = BlockRow.Count(GgmlType.Q8_K, destination.Length, source.Length);
        for (int b = 0; b < blocks; b++)
        {
            var block = source.Slice(b * BlockBytes, BlockBytes);
            float d = BinaryPrimitives.ReadSingleLittleEndian(block);
            for (int i = 0; i < 256; i++) destination[b * 256 + i] = d * (sbyte)block[4 + i];
        }
    }
}
