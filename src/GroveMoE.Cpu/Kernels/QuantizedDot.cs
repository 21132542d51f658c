using System.Buffers.Binary;

namespace GroveMoE.Cpu.Kernels;

/// <summary>
/// Dot products of one quantized weight row with one Q8-quantized activation row. The scalar versions are
/// the reference the SIMD versions are tested against.
/// </summary>
public static unsafe class QuantizedDot
{
    public static float Q8_0(byte* row, sbyte* quants, float* scales, int* sums, int blocks) =>
        Q8_0Scalar(row, quants, scales, blocks);

    public static float Q4_0(byte* row, sbyte* quants, float* scales, int* sums, int blocks) =>
        Q4_0Scalar(row, quants, scales, sums, blocks);

    public static float Q8_0Scalar(byte* row, sbyte* quants, float* scales, int blocks)
    {
        float total = 0;
        for (int b = 0; b < blocks; b++)
        {
            byte* block = row + b * 34;
            sbyte* qx = quants + b * 32;
            int sum = 0;
            for (int j = 0; j < 32; j++) sum += (sbyte)block[2 + j] * qx[j];
            total += (float)ReadHalf(block) * scales[b] * sum;
        }
        return total;
    }

    public static float Q4_0Scalar(byte* row, sbyte* quants, float* scales, int* sums, int blocks)
    {
        float total = 0;
        for (int b = 0; b < blocks; b++)
        {
            byte* block = row + b * 18;
            sbyte* qx = quants + b * 32;
            int sum = 0;
            for (int j = 0; j < 16; j++)
                sum += (block[2 + j] & 0x0F) * qx[j] + (block[2 + j] >> 4) * qx[j + 16];
            total += (float)ReadHalf(block) * scales[b] * (sum - 8 * sums[b]);
        }
        return total;
    }

    internal static Half ReadHalf(byte* p) => BinaryPrimitives.ReadHalfLittleEndian(new ReadOnlySpan<byte>(p, 2));
}
