using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace GroveMoE.Cpu.Kernels;

/// <summary>
/// Q8_0 weight row · Q8 activation row. A Q8_0 block is an f16 scale and 32 int8 weights. The byte dot
/// instructions want one operand unsigned, so each weight's sign moves onto its activation: w·x = |w|·(sign(w)·x),
/// exact for w = -128 too since activations stay within ±127.
/// The "x4" forms dot one weight row with four activation rows, loading each block once.
/// </summary>
internal static unsafe class Q8_0Dot
{
    private const int BlockBytes = 34;

    public static float Scalar(byte* w, Q8Row x, int blocks)
    {
        float* halves = HalfTable.Values;
        float total = 0;
        for (int b = 0; b < blocks; b++)
        {
            byte* block = w + b * BlockBytes;
            sbyte* qx = x.Quants + b * 32;
            int sum = 0;
            for (int j = 0; j < 32; j++) sum += (sbyte)block[2 + j] * qx[j];
            total += HalfTable.Read(halves, block) * x.Scales[b] * sum;
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
        Vector256<float> acc0 = default, acc1 = default;
        int b = 0;
        for (; b + 2 <= blocks; b += 2)
        {
            byte* block = w + b * BlockBytes;
            var weights0 = Vector256.Load((sbyte*)block + 2);
            var weights1 = Vector256.Load((sbyte*)block + BlockBytes + 2);
            acc0 = Accumulate<TDot>(acc0, Avx2.Abs(weights0), weights0, x, b, HalfTable.Read(halves, block));
            acc1 = Accumulate<TDot>(acc1, Avx2.Abs(weights1), weights1, x, b + 1, HalfTable.Read(halves, block + BlockBytes));
        }
        if (b < blocks)
        {
            byte* block = w + b * BlockBytes;
            var weights = Vector256.Load((sbyte*)block + 2);
            acc0 = Accumulate<TDot>(acc0, Avx2.Abs(weights), weights, x, b, HalfTable.Read(halves, block));
        }
        return Vector256.Sum(acc0 + acc1);
    }

    /// <summary>Four tokens, each with <see cref="Wide256{TDot}"/>'s two accumulators: each result is bit for bit the single-row one.</summary>
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
            var weights = Vector256.Load((sbyte*)block + 2);
            var magnitudes = Avx2.Abs(weights);
            float d = HalfTable.Read(halves, block);
            even0 = Accumulate<TDot>(even0, magnitudes, weights, x0, b, d);
            even1 = Accumulate<TDot>(even1, magnitudes, weights, x1, b, d);
            even2 = Accumulate<TDot>(even2, magnitudes, weights, x2, b, d);
            even3 = Accumulate<TDot>(even3, magnitudes, weights, x3, b, d);
            weights = Vector256.Load((sbyte*)block + BlockBytes + 2);
            magnitudes = Avx2.Abs(weights);
            d = HalfTable.Read(halves, block + BlockBytes);
            odd0 = Accumulate<TDot>(odd0, magnitudes, weights, x0, b + 1, d);
            odd1 = Accumulate<TDot>(odd1, magnitudes, weights, x1, b + 1, d);
            odd2 = Accumulate<TDot>(odd2, magnitudes, weights, x2, b + 1, d);
            odd3 = Accumulate<TDot>(odd3, magnitudes, weights, x3, b + 1, d);
        }
        if (b < blocks)
        {
            byte* block = w + b * BlockBytes;
            var weights = Vector256.Load((sbyte*)block + 2);
            var magnitudes = Avx2.Abs(weights);
            float d = HalfTable.Read(halves, block);
            even0 = Accumulate<TDot>(even0, magnitudes, weights, x0, b, d);
            even1 = Accumulate<TDot>(even1, magnitudes, weights, x1, b, d);
            even2 = Accumulate<TDot>(even2, magnitudes, weights, x2, b, d);
            even3 = Accumulate<TDot>(even3, magnitudes, weights, x3, b, d);
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
            var weights = Load512(block);
            acc = Accumulate(acc, Avx512BW.Abs(weights), weights, x, b, HalfTable.Read(halves, block), HalfTable.Read(halves, block + BlockBytes));
        }
        float total = Vector512.Sum(acc);
        if (b < blocks)
        {
            byte* block = w + b * BlockBytes;
            var weights = Vector256.Load((sbyte*)block + 2);
            total += Vector256.Sum(Accumulate<Avx2ByteDot>(Vector256<float>.Zero, Avx2.Abs(weights), weights, x, b, HalfTable.Read(halves, block)));
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
            var weights = Load512(block);
            var magnitudes = Avx512BW.Abs(weights);
            float d0 = HalfTable.Read(halves, block), d1 = HalfTable.Read(halves, block + BlockBytes);
            acc0 = Accumulate(acc0, magnitudes, weights, x0, b, d0, d1);
            acc1 = Accumulate(acc1, magnitudes, weights, x1, b, d0, d1);
            acc2 = Accumulate(acc2, magnitudes, weights, x2, b, d0, d1);
            acc3 = Accumulate(acc3, magnitudes, weights, x3, b, d0, d1);
        }
        results[0] = Vector512.Sum(acc0);
        results[1] = Vector512.Sum(acc1);
        results[2] = Vector512.Sum(acc2);
        results[3] = Vector512.Sum(acc3);
        if (b < blocks)
        {
            byte* block = w + b * BlockBytes;
            var weights = Vector256.Load((sbyte*)block + 2);
            var magnitudes = Avx2.Abs(weights);
            float d = HalfTable.Read(halves, block);
            for (int k = 0; k < 4; k++)
                results[k] += Vector256.Sum(Accumulate<Avx2ByteDot>(Vector256<float>.Zero, magnitudes, weights, x[k], b, d));
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector256<float> Accumulate<TDot>(Vector256<float> acc, Vector256<byte> magnitudes, Vector256<sbyte> weights,
        Q8Row x, int b, float d) where TDot : IByteDot256
    {
        var signed = Avx2.Sign(Vector256.Load(x.Quants + b * 32), weights);
        var dot = TDot.Dot(magnitudes, signed);
        return Vector256.FusedMultiplyAdd(Vector256.Create(d * x.Scales[b]), Vector256.ConvertToSingle(dot), acc);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector512<float> Accumulate(Vector512<float> acc, Vector512<byte> magnitudes, Vector512<sbyte> weights,
        Q8Row x, int b, float d0, float d1)
    {
        var activations = Vector512.Load(x.Quants + b * 32);
        var signed = Vector512.ConditionalSelect(Vector512.LessThan(weights, Vector512<sbyte>.Zero), -activations, activations);
        var dot = Avx512ByteDot.Dot(magnitudes, signed);
        var scales = Vector512.Create(Vector256.Create(d0 * x.Scales[b]), Vector256.Create(d1 * x.Scales[b + 1]));
        return Vector512.FusedMultiplyAdd(scales, Vector512.ConvertToSingle(dot), acc);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector512<sbyte> Load512(byte* block) =>
        Vector512.Create(Vector256.Load((sbyte*)block + 2), Vector256.Load((sbyte*)block + BlockBytes + 2));
}
