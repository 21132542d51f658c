using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace GroveMoE.Cpu.Kernels;

/// <summary>
/// Q6_K weight rows · Q8 activation rows. Each run of 32 weights lines up with one activation block but holds two
/// sub-blocks of 16 with their own int8 scales: the byte dot's lanes 0–3 cover the first 16 and lanes 4–7 the second,
/// so one scale vector (first scale in the low half, second in the high half) scales both. The weights q − 32 are
/// signed, so their signs move onto the activations as in the Q8_0 kernel.
/// </summary>
internal static unsafe class Q6_KDot
{
    public const int BlockBytes = 210;

    public static float Scalar(byte* w, Q8Row x, int superBlocks)
    {
        float* halves = HalfTable.Values;
        float total = 0;
        for (int s = 0; s < superBlocks; s++)
        {
            byte* block = w + (long)s * BlockBytes;
            float d = HalfTable.Read(halves, block + 208);
            sbyte* scales = (sbyte*)(block + 192);
            for (int half = 0; half < 2; half++)
            {
                byte* low = block + 64 * half, high = block + 128 + 32 * half;
                for (int g = 0; g < 4; g++)
                {
                    int b = 8 * s + 4 * half + g;
                    sbyte* qx = x.Quants + 32 * b;
                    int sum0 = 0, sum1 = 0;
                    for (int l = 0; l < 32; l++)
                    {
                        int u = ((low[32 * (g % 2) + l] >> (4 * (g / 2))) & 0x0F) | (((high[l] >> (2 * g)) & 3) << 4);
                        if (l < 16) sum0 += (u - 32) * qx[l];
                        else sum1 += (u - 32) * qx[l];
                    }
                    int sub = 8 * half + 2 * g;
                    total += d * x.Scales[b] * (scales[sub] * sum0 + scales[sub + 1] * sum1);
                }
            }
        }
        return total;
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static float Wide256<TDot>(byte* w, Q8Row x, int superBlocks) where TDot : IByteDot256
    {
        float* halves = HalfTable.Values;
        var nibble = Vector256.Create((byte)0x0F);
        var top = Vector256.Create((byte)0x30);
        var offset = Vector256.Create((sbyte)32);
        Vector256<float> acc0 = default, acc1 = default;
        for (int s = 0; s < superBlocks; s++)
        {
            byte* block = w + (long)s * BlockBytes;
            float d = HalfTable.Read(halves, block + 208);
            sbyte* scales = (sbyte*)(block + 192);
            for (int half = 0; half < 2; half++)
            {
                var low0 = Vector256.Load(block + 64 * half);
                var low1 = Vector256.Load(block + 64 * half + 32);
                var high = Vector256.Load(block + 128 + 32 * half).AsUInt16();
                int b = 8 * s + 4 * half, sub = 8 * half;
                // Top two bits of run g sit at bits 2g of each high byte; move them to bits 4-5.
                var u0 = (low0 & nibble) | (Vector256.ShiftLeft(high, 4).AsByte() & top);
                var u1 = (low1 & nibble) | (Vector256.ShiftLeft(high, 2).AsByte() & top);
                var u2 = (Vector256.ShiftRightLogical(low0.AsUInt16(), 4).AsByte() & nibble) | (high.AsByte() & top);
                var u3 = (Vector256.ShiftRightLogical(low1.AsUInt16(), 4).AsByte() & nibble) | (Vector256.ShiftRightLogical(high, 2).AsByte() & top);
                acc0 = Accumulate<TDot>(acc0, u0.AsSByte() - offset, x, b, d, scales + sub);
                acc1 = Accumulate<TDot>(acc1, u1.AsSByte() - offset, x, b + 1, d, scales + sub + 2);
                acc0 = Accumulate<TDot>(acc0, u2.AsSByte() - offset, x, b + 2, d, scales + sub + 4);
                acc1 = Accumulate<TDot>(acc1, u3.AsSByte() - offset, x, b + 3, d, scales + sub + 6);
            }
        }
        return Vector256.Sum(acc0 + acc1);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector256<float> Accumulate<TDot>(Vector256<float> acc, Vector256<sbyte> weights, Q8Row x, int b, float d, sbyte* scales)
        where TDot : IByteDot256
    {
        var dot = TDot.Dot(Avx2.Abs(weights), Avx2.Sign(Vector256.Load(x.Quants + 32 * b), weights));
        float scale = d * x.Scales[b];
        var factors = Vector256.Create(Vector128.Create(scale * scales[0]), Vector128.Create(scale * scales[1]));
        return Vector256.FusedMultiplyAdd(factors, Vector256.ConvertToSingle(dot), acc);
    }
}
