using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using GroveMoE.Cpu.Kernels.Formats;

namespace GroveMoE.Cpu.Kernels;

/// <summary>
/// The two kernel shapes over the tiled layout, each written once and instantiated per format (<see cref="IQuantFormat"/>)
/// and instruction set:
/// <list type="bullet">
/// <item>row·vector (decode, one token): each group of 16 rows is one sequential stream, dotted unit by unit;</item>
/// <item>tile GEMM (prompts): each unit of a group is unpacked once into registers and dotted with four tokens.</item>
/// </list>
/// output[i·stride + r] = W[r] · x[i] for the rows of groups [groupStart, groupEnd) and every input row i.
/// A unit's contribution to row r is dx·(d_r·(Σ u·q − Offset·Σq)) (or dx·(d_r·Σ u·q − m_r·Σq) with mins; with split
/// scales the two halves of 16 each take their own d_r and offset sum).
/// Both shapes add the units of a token in the same order into the same accumulators, so a token's result is bit for
/// bit the same whichever shape (and whichever other tokens) it goes through: continuous batching groups decode rows
/// of different sequences into the four-token kernel and each sequence still gets exactly its lone result.
/// </summary>
internal static unsafe class TileKernels
{
    private const int Tokens = 4;
    private const int Rows = TileLayout.GroupRows;

    public static void Run<TFormat>(KernelPath path, byte* tiles, int rows, int columns, int groupStart, int groupEnd,
        Q8Row* x, int inputs, float* output, int stride) where TFormat : struct, IQuantFormat
    {
        switch (path)
        {
            case KernelPath.Vector512: Run512<TFormat>(tiles, rows, columns, groupStart, groupEnd, x, inputs, output, stride); break;
            case KernelPath.Vector256Vnni: Run256<TFormat, AvxVnniByteDot>(tiles, rows, columns, groupStart, groupEnd, x, inputs, output, stride); break;
            case KernelPath.Vector256: Run256<TFormat, Avx2ByteDot>(tiles, rows, columns, groupStart, groupEnd, x, inputs, output, stride); break;
            default: RunScalar<TFormat>(tiles, rows, columns, groupStart, groupEnd, x, inputs, output, stride); break;
        }
    }

    // ---- 512 bits: a whole group per vector ----
    // The row·vector and GEMM bodies are separate methods (NoInlining): inlined into one driver they exceeded the
    // JIT's inlining budget, which then left the byte dots and Accumulate as calls (4-token GEMM 5× slower).

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void Run512<TFormat>(byte* tiles, int rows, int columns, int groupStart, int groupEnd,
        Q8Row* x, int inputs, float* output, int stride) where TFormat : struct, IQuantFormat
    {
        int blocks = columns / TFormat.BlockValues, units = columns / 32;
        long groupBytes = TFormat.GroupBytes(blocks);
        Q8Row* four = stackalloc Q8Row[Tokens];
        for (int g = groupStart; g < groupEnd; g++)
        {
            byte* group = tiles + g * groupBytes;
            for (int i = 0; i < inputs;)
            {
                int count = Math.Min(Tokens, inputs - i);
                if (count == 1)
                {
                    Store(RowVector512<TFormat>(group, blocks, units, x[i]), output + (long)i * stride + g * Rows, rows - g * Rows);
                    i++;
                    continue;
                }
                // Two or three left over still take the four-token kernel (the last repeated): one unpacking of
                // each unit costs less than two or three single-token passes.
                for (int k = 0; k < Tokens; k++) four[k] = x[i + Math.Min(k, count - 1)];
                Gemm512<TFormat>(group, blocks, units, four, count, output + (long)i * stride + g * Rows, stride, rows - g * Rows);
                i += count;
            }
        }
    }

    /// <summary>
    /// One accumulator, as <see cref="Gemm512{TFormat}"/> has per token, so the two round alike. A second accumulator
    /// (even and odd units) bought nothing measurable, and giving the GEMM two per token made the JIT spill them
    /// (2.5× slower four-token GEMM, kernel probe).
    /// </summary>
    [MethodImpl(MethodImplOptions.NoInlining | MethodImplOptions.AggressiveOptimization)]
    private static Vector512<float> RowVector512<TFormat>(byte* group, int blocks, int units, Q8Row x) where TFormat : struct, IQuantFormat
    {
        Vector512<float> acc = default;
        for (int u = 0; u < units; u++) acc = Accumulate<TFormat>(acc, TFormat.Load512(group, blocks, u), x, u);
        return acc;
    }

    [MethodImpl(MethodImplOptions.NoInlining | MethodImplOptions.AggressiveOptimization)]
    private static void Gemm512<TFormat>(byte* group, int blocks, int units, Q8Row* x, int count, float* output, int stride, int validRows)
        where TFormat : struct, IQuantFormat
    {
        // The four accumulators live in memory and one Accumulate site serves the four tokens: four inlined copies of
        // it exceeded the JIT's inlining budget (the fourth became a call: 3-5× slower four-token GEMM), and an L1 load
        // and store per token and unit cost less than that (kernel probe, bench/README.md "K-quant speed").
        var acc = stackalloc Vector512<float>[Tokens];
        for (int k = 0; k < Tokens; k++) acc[k] = default;
        for (int u = 0; u < units; u++)
        {
            var tile = TFormat.Load512(group, blocks, u);
            for (int k = 0; k < Tokens; k++) acc[k] = Accumulate<TFormat>(acc[k], tile, x[k], u);
        }
        for (int k = 0; k < count; k++) Store(acc[k], output + k * (long)stride, validRows);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector512<float> Accumulate<TFormat>(Vector512<float> acc, in Tile512 tile, Q8Row x, int unit)
        where TFormat : struct, IQuantFormat
    {
        acc = TFormat.SplitScales ? AddHalves<TFormat>(acc, tile, x, unit) : AddWhole<TFormat>(acc, tile, x, unit);
        if (TFormat.HasMins) acc = Vector512.FusedMultiplyAdd(tile.Mins, Vector512.Create(-x.Scales[unit] * x.Sums[unit]), acc);
        return acc;
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector512<float> AddWhole<TFormat>(Vector512<float> acc, in Tile512 tile, Q8Row x, int unit)
        where TFormat : struct, IQuantFormat
    {
        var dot = Avx512ByteDot.Dot<TFormat>(tile, x.Quants + 32 * unit);
        if (TFormat.Offset != 0) dot -= Vector512.Create(TFormat.Offset * x.Sums[unit]);
        return Vector512.FusedMultiplyAdd(Vector512.ConvertToSingle(dot), tile.Scales * Vector512.Create(x.Scales[unit]), acc);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector512<float> AddHalves<TFormat>(Vector512<float> acc, in Tile512 tile, Q8Row x, int unit)
        where TFormat : struct, IQuantFormat
    {
        Avx512ByteDot.DotHalves<TFormat>(tile, x.Quants + 32 * unit, out var low, out var high);
        int lowSum = x.LowSums[unit];
        if (TFormat.Offset != 0)
        {
            low -= Vector512.Create(TFormat.Offset * lowSum);
            high -= Vector512.Create(TFormat.Offset * (x.Sums[unit] - lowSum));
        }
        var dx = Vector512.Create(x.Scales[unit]);
        acc = Vector512.FusedMultiplyAdd(Vector512.ConvertToSingle(low), tile.Scales * dx, acc);
        return Vector512.FusedMultiplyAdd(Vector512.ConvertToSingle(high), tile.HighScales * dx, acc);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Store(Vector512<float> values, float* output, int validRows)
    {
        if (validRows >= Rows) values.Store(output);
        else for (int r = 0; r < validRows; r++) output[r] = values.GetElement(r);
    }

    // ---- 256 bits: a group as two halves of eight rows ----

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void Run256<TFormat, TDot>(byte* tiles, int rows, int columns, int groupStart, int groupEnd,
        Q8Row* x, int inputs, float* output, int stride) where TFormat : struct, IQuantFormat where TDot : IByteDot256
    {
        int blocks = columns / TFormat.BlockValues, units = columns / 32;
        long groupBytes = TFormat.GroupBytes(blocks);
        Q8Row* four = stackalloc Q8Row[Tokens];
        for (int g = groupStart; g < groupEnd; g++)
        {
            byte* group = tiles + g * groupBytes;
            for (int i = 0; i < inputs;)
            {
                int count = Math.Min(Tokens, inputs - i);
                if (count == 1)
                {
                    var (low, high) = RowVector256<TFormat, TDot>(group, blocks, units, x[i]);
                    float* o = output + (long)i * stride + g * Rows;
                    Store(low, o, rows - g * Rows);
                    Store(high, o + 8, rows - g * Rows - 8);
                    i++;
                    continue;
                }
                for (int k = 0; k < Tokens; k++) four[k] = x[i + Math.Min(k, count - 1)];
                for (int half = 0; half < 2; half++)
                {
                    Gemm256<TFormat, TDot>(group, blocks, units, half, four, count,
                        output + (long)i * stride + g * Rows + 8 * half, stride, rows - g * Rows - 8 * half);
                }
                i += count;
            }
        }
    }

    [MethodImpl(MethodImplOptions.NoInlining | MethodImplOptions.AggressiveOptimization)]
    private static (Vector256<float>, Vector256<float>) RowVector256<TFormat, TDot>(byte* group, int blocks, int units, Q8Row x)
        where TFormat : struct, IQuantFormat where TDot : IByteDot256
    {
        Vector256<float> acc0 = default, acc1 = default;
        for (int u = 0; u < units; u++)
        {
            acc0 = Accumulate<TFormat, TDot>(acc0, TFormat.Load256(group, blocks, u, 0), x, u);
            acc1 = Accumulate<TFormat, TDot>(acc1, TFormat.Load256(group, blocks, u, 1), x, u);
        }
        return (acc0, acc1);
    }

    [MethodImpl(MethodImplOptions.NoInlining | MethodImplOptions.AggressiveOptimization)]
    private static void Gemm256<TFormat, TDot>(byte* group, int blocks, int units, int half, Q8Row* x, int count, float* output,
        int stride, int validRows) where TFormat : struct, IQuantFormat where TDot : IByteDot256
    {
        if (validRows <= 0) return;
        if (typeof(TDot) == typeof(Avx2ByteDot))
        {
            // AVX2's longer dot exceeds the inlining budget four times over, as Gemm512's does: one site, accumulators in memory.
            var acc = stackalloc Vector256<float>[Tokens];
            for (int k = 0; k < Tokens; k++) acc[k] = default;
            for (int u = 0; u < units; u++)
            {
                var tile = TFormat.Load256(group, blocks, u, half);
                for (int k = 0; k < Tokens; k++) acc[k] = Accumulate<TFormat, TDot>(acc[k], tile, x[k], u);
            }
            for (int k = 0; k < count; k++) Store(acc[k], output + k * (long)stride, validRows);
            return;
        }
        Q8Row x0 = x[0], x1 = x[1], x2 = x[2], x3 = x[3];
        Vector256<float> acc0 = default, acc1 = default, acc2 = default, acc3 = default;
        for (int u = 0; u < units; u++)
        {
            var tile = TFormat.Load256(group, blocks, u, half);
            acc0 = Accumulate<TFormat, TDot>(acc0, tile, x0, u);
            acc1 = Accumulate<TFormat, TDot>(acc1, tile, x1, u);
            acc2 = Accumulate<TFormat, TDot>(acc2, tile, x2, u);
            acc3 = Accumulate<TFormat, TDot>(acc3, tile, x3, u);
        }
        Store(acc0, output, validRows);
        if (count > 1) Store(acc1, output + stride, validRows);
        if (count > 2) Store(acc2, output + 2L * stride, validRows);
        if (count > 3) Store(acc3, output + 3L * stride, validRows);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector256<float> Accumulate<TFormat, TDot>(Vector256<float> acc, in Tile256 tile, Q8Row x, int unit)
        where TFormat : struct, IQuantFormat where TDot : IByteDot256
    {
        acc = TFormat.SplitScales ? AddHalves<TFormat, TDot>(acc, tile, x, unit) : AddWhole<TFormat, TDot>(acc, tile, x, unit);
        if (TFormat.HasMins) acc = Vector256.FusedMultiplyAdd(tile.Mins, Vector256.Create(-x.Scales[unit] * x.Sums[unit]), acc);
        return acc;
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector256<float> AddWhole<TFormat, TDot>(Vector256<float> acc, in Tile256 tile, Q8Row x, int unit)
        where TFormat : struct, IQuantFormat where TDot : IByteDot256
    {
        var dot = TDot.Dot<TFormat>(tile, x.Quants + 32 * unit);
        if (TFormat.Offset != 0) dot -= Vector256.Create(TFormat.Offset * x.Sums[unit]);
        return Vector256.FusedMultiplyAdd(Vector256.ConvertToSingle(dot), tile.Scales * Vector256.Create(x.Scales[unit]), acc);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector256<float> AddHalves<TFormat, TDot>(Vector256<float> acc, in Tile256 tile, Q8Row x, int unit)
        where TFormat : struct, IQuantFormat where TDot : IByteDot256
    {
        TDot.DotHalves<TFormat>(tile, x.Quants + 32 * unit, out var low, out var high);
        int lowSum = x.LowSums[unit];
        if (TFormat.Offset != 0)
        {
            low -= Vector256.Create(TFormat.Offset * lowSum);
            high -= Vector256.Create(TFormat.Offset * (x.Sums[unit] - lowSum));
        }
        var dx = Vector256.Create(x.Scales[unit]);
        acc = Vector256.FusedMultiplyAdd(Vector256.ConvertToSingle(low), tile.Scales * dx, acc);
        return Vector256.FusedMultiplyAdd(Vector256.ConvertToSingle(high), tile.HighScales * dx, acc);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Store(Vector256<float> values, float* output, int validRows)
    {
        if (validRows >= 8) values.Store(output);
        else for (int r = 0; r < validRows; r++) output[r] = values.GetElement(r);
    }

    // ---- scalar: the reference the vector paths are tested against, and the path for CPUs without AVX2 ----

    private static void RunScalar<TFormat>(byte* tiles, int rows, int columns, int groupStart, int groupEnd,
        Q8Row* x, int inputs, float* output, int stride) where TFormat : struct, IQuantFormat
    {
        int blocks = columns / TFormat.BlockValues, units = columns / 32;
        long groupBytes = TFormat.GroupBytes(blocks);
        byte* u = stackalloc byte[32];
        for (int g = groupStart; g < groupEnd; g++)
        for (int r = 0; r < Rows && g * Rows + r < rows; r++)
        for (int i = 0; i < inputs; i++)
        {
            float total = 0;
            for (int unit = 0; unit < units; unit++)
            {
                TFormat.LoadScalar(tiles + g * groupBytes, blocks, unit, r, u, out float scale, out float highScale, out float min);
                sbyte* q = x[i].Quants + 32 * unit;
                int low = 0, high = 0, lowSum = 0, sum = x[i].Sums[unit];
                for (int j = 0; j < 16; j++)
                {
                    low += u[j] * q[j];
                    high += u[16 + j] * q[16 + j];
                    lowSum += q[j];
                }
                float scaled = TFormat.SplitScales
                    ? scale * (low - TFormat.Offset * lowSum) + highScale * (high - TFormat.Offset * (sum - lowSum))
                    : scale * (low + high - TFormat.Offset * sum);
                total += x[i].Scales[unit] * (scaled - min * sum);
            }
            output[(long)i * stride + g * Rows + r] = total;
        }
    }
}
