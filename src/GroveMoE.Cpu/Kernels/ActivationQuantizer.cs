using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;

namespace GroveMoE.Cpu.Kernels;

/// <summary>
/// Quantizes an activation row to Q8 blocks as ggml's quantize_row_q8_0 reference does: scale = max|x| / 127,
/// q = round(x / scale) half away from zero; plus each block's quant sum (and that of its first 16 quants) for the
/// offsets of the Q4_0, Q8_0 and K-quant kernels.
/// The vector path computes the same float operations as the scalar one, so both give identical bits.
/// </summary>
internal static class ActivationQuantizer
{
    private const int BlockSize = Q8Activations.BlockSize;

    public static void QuantizeRow(ReadOnlySpan<float> x, Span<sbyte> quants, Span<float> scales, Span<int> sums, Span<int> lowSums)
    {
        if (Vector256.IsHardwareAccelerated) QuantizeRowVector256(x, quants, scales, sums, lowSums);
        else QuantizeRowScalar(x, quants, scales, sums, lowSums);
    }

    internal static void QuantizeRowScalar(ReadOnlySpan<float> x, Span<sbyte> quants, Span<float> scales, Span<int> sums, Span<int> lowSums)
    {
        int blocks = x.Length / BlockSize;
        for (int b = 0; b < blocks; b++)
        {
            var block = x.Slice(b * BlockSize, BlockSize);
            float amax = 0;
            foreach (float v in block) amax = MathF.Max(amax, MathF.Abs(v));
            float d = amax / 127f;
            float id = d != 0 ? 1f / d : 0f;
            int sum = 0, lowSum = 0;
            for (int j = 0; j < BlockSize; j++)
            {
                int q = (int)MathF.Round(block[j] * id, MidpointRounding.AwayFromZero);
                quants[b * BlockSize + j] = (sbyte)q;
                sum += q;
                if (j < BlockSize / 2) lowSum += q;
            }
            scales[b] = d;
            sums[b] = sum;
            lowSums[b] = lowSum;
        }
    }

    /// <remarks>Fully optimised from the first call: at tier 0 every vector operation is a call, and a prompt's first
    /// forward passes quantize thousands of rows before tiering promotes it.</remarks>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    internal static void QuantizeRowVector256(ReadOnlySpan<float> x, Span<sbyte> quants, Span<float> scales, Span<int> sums, Span<int> lowSums)
    {
        int blocks = x.Length / BlockSize;
        if (quants.Length < blocks * BlockSize || scales.Length < blocks || sums.Length < blocks || lowSums.Length < blocks)
            throw new ArgumentException("output spans are shorter than the row");
        ref float src = ref MemoryMarshal.GetReference(x);
        ref sbyte dst = ref MemoryMarshal.GetReference(quants);
        for (int b = 0; b < blocks; b++)
        {
            nuint at = (nuint)(b * BlockSize);
            var v0 = Vector256.LoadUnsafe(ref src, at);
            var v1 = Vector256.LoadUnsafe(ref src, at + 8);
            var v2 = Vector256.LoadUnsafe(ref src, at + 16);
            var v3 = Vector256.LoadUnsafe(ref src, at + 24);
            var max = Vector256.Max(Vector256.Max(Vector256.Abs(v0), Vector256.Abs(v1)), Vector256.Max(Vector256.Abs(v2), Vector256.Abs(v3)));
            float amax = HorizontalMax(max);
            float d = amax / 127f;
            var id = Vector256.Create(d != 0 ? 1f / d : 0f);
            var q0 = RoundHalfAwayFromZero(v0 * id);
            var q1 = RoundHalfAwayFromZero(v1 * id);
            var q2 = RoundHalfAwayFromZero(v2 * id);
            var q3 = RoundHalfAwayFromZero(v3 * id);
            Vector256.Narrow(Vector256.Narrow(q0, q1), Vector256.Narrow(q2, q3)).StoreUnsafe(ref dst, at);
            scales[b] = d;
            var low = q0 + q1;
            sums[b] = Vector256.Sum(low + (q2 + q3));
            lowSums[b] = Vector256.Sum(low);
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static float HorizontalMax(Vector256<float> v)
    {
        var m = Vector128.Max(v.GetLower(), v.GetUpper());
        m = Vector128.Max(m, Vector128.Shuffle(m, Vector128.Create(2, 3, 0, 1)));
        m = Vector128.Max(m, Vector128.Shuffle(m, Vector128.Create(1, 0, 3, 2)));
        return m.ToScalar();
    }

    /// <summary>
    /// Exact half-away-from-zero rounding of |v| ≤ 127 (the hardware only rounds half to even): the fraction
    /// |v| - trunc|v| is computed exactly, so comparing it with 0.5 decides the tie the way roundf does.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector256<int> RoundHalfAwayFromZero(Vector256<float> v)
    {
        var magnitude = Vector256.Abs(v);
        var whole = Vector256.Truncate(magnitude);
        var up = Vector256.GreaterThanOrEqual(magnitude - whole, Vector256.Create(0.5f));
        var rounded = Vector256.ConvertToInt32(whole) - up.AsInt32();
        return Vector256.ConditionalSelect(Vector256.LessThan(v, Vector256<float>.Zero).AsInt32(), -rounded, rounded);
    }
}
