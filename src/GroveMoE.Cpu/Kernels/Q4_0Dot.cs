using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;

namespace GroveMoE.Cpu.Kernels;

/// <summary>
/// Q4_0 weight row · Q8 activation row. A Q4_0 block is an f16 scale and 16 bytes whose low nibbles are
/// weights 0..15 and high nibbles 16..31, each stored as w+8. The nibbles are dotted unsigned and the +8 is
/// removed exactly in integers with the activation block's quant sum: Σ(n-8)·x = Σn·x - 8·Σx.
/// The "x4" forms dot one weight row with four activation rows, unpacking each block once.
/// </summary>
internal static unsafe class Q4_0Dot
{
    private const int BlockBytes = 18;

    public static float Scalar(byte* w, Q8Row x, int blocks)
    {
        float* halves = HalfTable.Values;
        float total = 0;
        for (int b = 0; b < blocks; b++)
        {
            byte* block = w + b * BlockBytes;
            sbyte* qx = x.Quants + b * 32;
            int sum = 0;
            for (int j = 0; j < 16; j++)
                sum += (block[2 + j] & 0x0F) * qx[j] + (block[2 + j] >> 4) * qx[j + 16];
            total += HalfTable.Read(halves, block) * x.Scales[b] * (sum - 8 * x.Sums[b]);
        }
        return total;
    }

    public static void Scalar4(byte* w, Q8Row* x, int blocks, float* results)
    {
        for (int k = 0; k < 4; k++) results[k] = Scalar(w, x[k], blocks);
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static float Wide256<TDot>(byte* w, Q8Row x, int blocks) where TDot : IByteDot256
    {
        float* halves = HalfTable.Values;
        // Two accumulators so consecutive blocks' multiply-adds do not wait on each other.
        Vector256<float> acc0 = default, acc1 = default;
        int b = 0;
        for (; b + 2 <= blocks; b += 2)
        {
            byte* block = w + b * BlockBytes;
            acc0 = Accumulate<TDot>(acc0, Nibbles256(block), x, b, HalfTable.Read(halves, block));
            acc1 = Accumulate<TDot>(acc1, Nibbles256(block + BlockBytes), x, b + 1, HalfTable.Read(halves, block + BlockBytes));
        }
        if (b < blocks)
        {
            byte* block = w + b * BlockBytes;
            acc0 = Accumulate<TDot>(acc0, Nibbles256(block), x, b, HalfTable.Read(halves, block));
        }
        return Vector256.Sum(acc0 + acc1);
    }

    /// <summary>
    /// Four tokens, each with <see cref="Wide256{TDot}"/>'s two accumulators and the same integers per lane, so each
    /// result is bit for bit the single-row one (batched decode rows of different sequences go through here).
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void Wide256x4<TDot>(byte* w, Q8Row* x, int blocks, float* results) where TDot : IByteDot256
    {
        float* halves = HalfTable.Values;
        Q8Row x0 = x[0], x1 = x[1], x2 = x[2], x3 = x[3];
        Vector256<float> even0 = default, even1 = default, even2 = default, even3 = default;
        Vector256<float> odd0 = default, odd1 = default, odd2 = default, odd3 = default;
        int b = 0;
        for (; b + 2 <= blocks; b += 2)
        {
            byte* block = w + b * BlockBytes;
            var nibbles = Nibbles256(block);
            float d = HalfTable.Read(halves, block);
            even0 = Accumulate<TDot>(even0, nibbles, x0, b, d);
            even1 = Accumulate<TDot>(even1, nibbles, x1, b, d);
            even2 = Accumulate<TDot>(even2, nibbles, x2, b, d);
            even3 = Accumulate<TDot>(even3, nibbles, x3, b, d);
            nibbles = Nibbles256(block + BlockBytes);
            d = HalfTable.Read(halves, block + BlockBytes);
            odd0 = Accumulate<TDot>(odd0, nibbles, x0, b + 1, d);
            odd1 = Accumulate<TDot>(odd1, nibbles, x1, b + 1, d);
            odd2 = Accumulate<TDot>(odd2, nibbles, x2, b + 1, d);
            odd3 = Accumulate<TDot>(odd3, nibbles, x3, b + 1, d);
        }
        if (b < blocks)
        {
            byte* block = w + b * BlockBytes;
            var nibbles = Nibbles256(block);
            float d = HalfTable.Read(halves, block);
            even0 = Accumulate<TDot>(even0, nibbles, x0, b, d);
            even1 = Accumulate<TDot>(even1, nibbles, x1, b, d);
            even2 = Accumulate<TDot>(even2, nibbles, x2, b, d);
            even3 = Accumulate<TDot>(even3, nibbles, x3, b, d);
        }
        results[0] = Vector256.Sum(even0 + odd0);
        results[1] = Vector256.Sum(even1 + odd1);
        results[2] = Vector256.Sum(even2 + odd2);
        results[3] = Vector256.Sum(even3 + odd3);
    }

    /// <summary>Two blocks per step; an odd last block goes through the AVX2 form.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static float Wide512(byte* w, Q8Row x, int blocks)
    {
        float* halves = HalfTable.Values;
        var acc = Vector512<float>.Zero;
        int b = 0;
        for (; b + 2 <= blocks; b += 2)
        {
            byte* block = w + b * BlockBytes;
            acc = Accumulate(acc, Nibbles512(block), x, b, HalfTable.Read(halves, block), HalfTable.Read(halves, block + BlockBytes));
        }
        float total = Vector512.Sum(acc);
        if (b < blocks)
        {
            byte* block = w + b * BlockBytes;
            total += Vector256.Sum(Accumulate<Avx2ByteDot>(Vector256<float>.Zero, Nibbles256(block), x, b, HalfTable.Read(halves, block)));
        }
        return total;
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void Wide512x4(byte* w, Q8Row* x, int blocks, float* results)
    {
        float* halves = HalfTable.Values;
        Q8Row x0 = x[0], x1 = x[1], x2 = x[2], x3 = x[3];
        Vector512<float> acc0 = default, acc1 = default, acc2 = default, acc3 = default;
        int b = 0;
        for (; b + 2 <= blocks; b += 2)
        {
            byte* block = w + b * BlockBytes;
            var nibbles = Nibbles512(block);
            float d0 = HalfTable.Read(halves, block), d1 = HalfTable.Read(halves, block + BlockBytes);
            acc0 = Accumulate(acc0, nibbles, x0, b, d0, d1);
            acc1 = Accumulate(acc1, nibbles, x1, b, d0, d1);
            acc2 = Accumulate(acc2, nibbles, x2, b, d0, d1);
            acc3 = Accumulate(acc3, nibbles, x3, b, d0, d1);
        }
        results[0] = Vector512.Sum(acc0);
        results[1] = Vector512.Sum(acc1);
        results[2] = Vector512.Sum(acc2);
        results[3] = Vector512.Sum(acc3);
        if (b < blocks)
        {
            byte* block = w + b * BlockBytes;
            var nibbles = Nibbles256(block);
            float d = HalfTable.Read(halves, block);
            for (int k = 0; k < 4; k++)
                results[k] += Vector256.Sum(Accumulate<Avx2ByteDot>(Vector256<float>.Zero, nibbles, x[k], b, d));
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector256<float> Accumulate<TDot>(Vector256<float> acc, Vector256<byte> nibbles, Q8Row x, int b, float d)
        where TDot : IByteDot256
    {
        var dot = TDot.Dot(nibbles, Vector256.Load(x.Quants + b * 32)) + Vector256.CreateScalar(-8 * x.Sums[b]);
        return Vector256.FusedMultiplyAdd(Vector256.Create(d * x.Scales[b]), Vector256.ConvertToSingle(dot), acc);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector512<float> Accumulate(Vector512<float> acc, Vector512<byte> nibbles, Q8Row x, int b, float d0, float d1)
    {
        var offsets = Vector512.Create(Vector256.CreateScalar(-8 * x.Sums[b]), Vector256.CreateScalar(-8 * x.Sums[b + 1]));
        var dot = Avx512ByteDot.Dot(nibbles, Vector512.Load(x.Quants + b * 32)) + offsets;
        var scales = Vector512.Create(Vector256.Create(d0 * x.Scales[b]), Vector256.Create(d1 * x.Scales[b + 1]));
        return Vector512.FusedMultiplyAdd(scales, Vector512.ConvertToSingle(dot), acc);
    }

    /// <summary>The block's 32 nibbles in weight order (low nibbles, then high), as unsigned bytes 0..15.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector256<byte> Nibbles256(byte* block)
    {
        var packed = Vector128.Load(block + 2);
        var high = Vector128.ShiftRightLogical(packed.AsUInt16(), 4).AsByte();
        return Vector256.Create(packed, high) & Vector256.Create((byte)0x0F);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector512<byte> Nibbles512(byte* block)
    {
        var packed0 = Vector128.Load(block + 2);
        var packed1 = Vector128.Load(block + BlockBytes + 2);
        var both = Vector512.Create(Vector256.Create(packed0, packed0), Vector256.Create(packed1, packed1));
        // Each block's second 16 bytes take the high nibbles.
        var shifted = Vector512.ShiftRightLogical(both.AsUInt64(), 4).AsByte();
        var highHalves = Vector512.Create(0UL, 0UL, ~0UL, ~0UL, 0UL, 0UL, ~0UL, ~0UL).AsByte();
        return Vector512.ConditionalSelect(highHalves, shifted, both) & Vector512.Create((byte)0x0F);
    }
}
