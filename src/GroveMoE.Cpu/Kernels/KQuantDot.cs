using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace GroveMoE.Cpu.Kernels;

/// <summary>
/// Q4_K and Q5_K weight rows · Q8 activation rows. Each sub-block of 32 weights lines up with one activation block,
/// so a sub-block is one byte dot of its unsigned quants q with the activation quants, scaled by d·scale·dx, minus
/// dmin·min·dx·Σx (the activation block's quant sum). Exact integer dots; one float rounding per sub-block.
/// </summary>
internal static unsafe class KQuantDot
{
    public const int Q4Bytes = 144, Q5Bytes = 176;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void ScaleMin(byte* packed, int j, out int scale, out int min)
    {
        if (j < 4)
        {
            scale = packed[j] & 63;
            min = packed[j + 4] & 63;
        }
        else
        {
            scale = (packed[j + 4] & 0x0F) | ((packed[j - 4] >> 6) << 4);
            min = (packed[j + 4] >> 4) | ((packed[j] >> 6) << 4);
        }
    }

    /// <param name="superBlocks">blocks of 256 in the row (the activation row has eight times as many blocks of 32)</param>
    public static float Q4_KScalar(byte* w, Q8Row x, int superBlocks) => AffineScalar(w, x, superBlocks, Q4Bytes, high: false);

    public static float Q5_KScalar(byte* w, Q8Row x, int superBlocks) => AffineScalar(w, x, superBlocks, Q5Bytes, high: true);

    private static float AffineScalar(byte* w, Q8Row x, int superBlocks, int blockBytes, bool high)
    {
        float* halves = HalfTable.Values;
        float total = 0, mins = 0;
        for (int s = 0; s < superBlocks; s++)
        {
            byte* block = w + (long)s * blockBytes;
            float d = HalfTable.Read(halves, block), dmin = HalfTable.Read(halves, block + 2);
            byte* quants = block + (high ? 48 : 16), bits = block + 16;
            for (int j = 0; j < 8; j++)
            {
                ScaleMin(block + 4, j, out int scale, out int min);
                int b = 8 * s + j;
                sbyte* qx = x.Quants + 32 * b;
                byte* q = quants + 32 * (j / 2);
                int shift = 4 * (j % 2), sum = 0;
                for (int l = 0; l < 32; l++)
                {
                    int u = (q[l] >> shift) & 0x0F;
                    if (high) u |= ((bits[l] >> j) & 1) << 4;
                    sum += u * qx[l];
                }
                total += d * scale * x.Scales[b] * sum;
                mins += dmin * min * x.Scales[b] * x.Sums[b];
            }
        }
        return total - mins;
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static float Q4_K<TDot>(byte* w, Q8Row x, int superBlocks) where TDot : IByteDot256
    {
        float* halves = HalfTable.Values;
        var nibble = Vector256.Create((byte)0x0F);
        Vector256<float> acc0 = default, acc1 = default;
        float mins = 0;
        for (int s = 0; s < superBlocks; s++)
        {
            byte* block = w + (long)s * Q4Bytes;
            float d = HalfTable.Read(halves, block), dmin = HalfTable.Read(halves, block + 2);
            for (int c = 0; c < 4; c++)
            {
                var bytes = Vector256.Load(block + 16 + 32 * c);
                int b = 8 * s + 2 * c;
                ScaleMin(block + 4, 2 * c, out int scale0, out int min0);
                ScaleMin(block + 4, 2 * c + 1, out int scale1, out int min1);
                float dx0 = x.Scales[b], dx1 = x.Scales[b + 1];
                var dot0 = TDot.Dot(bytes & nibble, Vector256.Load(x.Quants + 32 * b));
                var dot1 = TDot.Dot(Vector256.ShiftRightLogical(bytes.AsUInt16(), 4).AsByte() & nibble, Vector256.Load(x.Quants + 32 * b + 32));
                acc0 = Vector256.FusedMultiplyAdd(Vector256.Create(d * scale0 * dx0), Vector256.ConvertToSingle(dot0), acc0);
                acc1 = Vector256.FusedMultiplyAdd(Vector256.Create(d * scale1 * dx1), Vector256.ConvertToSingle(dot1), acc1);
                mins += dmin * (min0 * dx0 * x.Sums[b] + min1 * dx1 * x.Sums[b + 1]);
            }
        }
        return Vector256.Sum(acc0 + acc1) - mins;
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static float Q5_K<TDot>(byte* w, Q8Row x, int superBlocks) where TDot : IByteDot256
    {
        float* halves = HalfTable.Values;
        var nibble = Vector256.Create((byte)0x0F);
        var one = Vector256.Create((byte)1);
        Vector256<float> acc0 = default, acc1 = default;
        float mins = 0;
        for (int s = 0; s < superBlocks; s++)
        {
            byte* block = w + (long)s * Q5Bytes;
            float d = HalfTable.Read(halves, block), dmin = HalfTable.Read(halves, block + 2);
            var bits = Vector256.Load(block + 16).AsUInt16();
            for (int c = 0; c < 4; c++)
            {
                var bytes = Vector256.Load(block + 48 + 32 * c);
                var high0 = Vector256.ShiftLeft((Vector256.ShiftRightLogical(bits, 2 * c).AsByte() & one).AsUInt16(), 4).AsByte();
                var high1 = Vector256.ShiftLeft((Vector256.ShiftRightLogical(bits, 2 * c + 1).AsByte() & one).AsUInt16(), 4).AsByte();
                int b = 8 * s + 2 * c;
                ScaleMin(block + 4, 2 * c, out int scale0, out int min0);
                ScaleMin(block + 4, 2 * c + 1, out int scale1, out int min1);
                float dx0 = x.Scales[b], dx1 = x.Scales[b + 1];
                var dot0 = TDot.Dot((bytes & nibble) | high0, Vector256.Load(x.Quants + 32 * b));
                var dot1 = TDot.Dot((Vector256.ShiftRightLogical(bytes.AsUInt16(), 4).AsByte() & nibble) | high1, Vector256.Load(x.Quants + 32 * b + 32));
                acc0 = Vector256.FusedMultiplyAdd(Vector256.Create(d * scale0 * dx0), Vector256.ConvertToSingle(dot0), acc0);
                acc1 = Vector256.FusedMultiplyAdd(Vector256.Create(d * scale1 * dx1), Vector256.ConvertToSingle(dot1), acc1);
                mins += dmin * (min0 * dx0 * x.Sums[b] + min1 * dx1 * x.Sums[b + 1]);
            }
        }
        return Vector256.Sum(acc0 + acc1) - mins;
    }
}
