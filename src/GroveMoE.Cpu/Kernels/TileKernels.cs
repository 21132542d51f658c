using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;
using GroveMoE.Cpu.Kernels.Formats;

namespace GroveMoE.Cpu.Kernels;

/// <summary>
/// The two kernel shapes over the tiled layout, each written once and instantiated per format (<see cref="IQuantFormat"/>)
/// and instruction set:
/// <list type="bullet">
/// <item>row·vector (decode, one token): each group of 16 rows is one sequential stream, dotted unit by unit;</item>
/// <item>tile GEMM (prompts, and decode rows of several sequences): each unit of a group is unpacked once into
/// registers and dotted with several tokens (two at 512 bits, four at 256).</item>
/// </list>
/// output[i·stride + r] = W[r] · x[i] for the rows of groups [groupStart, groupEnd) and every input row i.
/// A unit's contribution to row r is dx·(d_r·(Σ u·q − Offset·Σq)) (or dx·(d_r·Σ u·q − m_r·Σq) with mins; with split
/// scales the two halves of 16 each take their own d_r, m_r and offset sum).
/// Both shapes add the units of a token in the same order into the same accumulators, so a token's result is bit for
/// bit the same whichever shape (and whichever other tokens) it goes through: continuous batching groups decode rows
/// of different sequences into the GEMM and each sequence still gets exactly its lone result.
/// </summary>
internal static unsafe class TileKernels
{
    private const int Rows = TileLayout.GroupRows;

    /// <summary>
    /// How many groups ahead the first token pair of a group prefetches (into L2). With the few tokens an expert gets
    /// in a prompt (~4 of 64 at top-8 of 128) a group is streamed from memory in the first pass and then dotted from L1,
    /// so the memory bus idled half the time; prefetching the next group during the first pass overlaps the two
    /// (wide4 Q4_0 pp64, <c>probe-prompt</c>, two rounds: medians 212 / 272 t/s without, 212 / 328 at one group ahead,
    /// 258 / 279 at two).
    /// </summary>
    private const int PrefetchGroups = 1;

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
    // The row·vector and GEMM bodies are methods of their own, called once per group of 16 rows: inlined into the
    // driver they overran the JIT's inlining budget once the formats grew, and the GEMM then called its dot helpers
    // per unit (4-5× slower, kernel probe).

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void Run512<TFormat>(byte* tiles, int rows, int columns, int groupStart, int groupEnd,
        Q8Row* x, int inputs, float* output, int stride) where TFormat : struct, IQuantFormat
    {
        int blocks = columns / TFormat.BlockValues, units = columns / 32;
        long groupBytes = TFormat.GroupBytes(blocks);
        long perUnit = groupBytes / units;
        for (int g = groupStart; g < groupEnd; g++)
        {
            byte* group = tiles + g * groupBytes;
            float* o = output + g * Rows;
            int valid = rows - g * Rows;
            int i = 0;
            byte* ahead = g + PrefetchGroups < groupEnd ? group + PrefetchGroups * groupBytes : null;
            for (; i + 2 <= inputs; i += 2)
            {
                Gemm512<TFormat>(group, blocks, units, x[i], x[i + 1], o + (long)i * stride, stride, valid, ahead, perUnit);
                ahead = null;
            }
            if (i < inputs) Store(RowVector512<TFormat>(group, blocks, units, x[i]), o + (long)i * stride, valid);
        }
    }

    /// <summary>
    /// One accumulator, as <see cref="Gemm512{TFormat}"/> has per token, so the two round alike. A second accumulator
    /// (even and odd units) bought nothing measurable, and two per token in the GEMM made the JIT spill them.
    /// </summary>
    [MethodImpl(MethodImplOptions.NoInlining | MethodImplOptions.AggressiveOptimization)]
    private static Vector512<float> RowVector512<TFormat>(byte* group, int blocks, int units, Q8Row x) where TFormat : struct, IQuantFormat
    {
        Vector512<float> acc = default;
        var prefetch = new StreamPrefetch(group, TFormat.GroupBytes(blocks), units);
        for (int u = 0; u < units; u++)
        {
            prefetch.Next();
            acc = Accumulate<TFormat>(acc, TFormat.Load512(group, blocks, u), x, u);
        }
        return acc;
    }

    /// <summary>
    /// Two tokens per unpacking of each unit, not four: the JIT's inlining budget holds two tokens' dots in one method
    /// and gave up inside the third and fourth (calls per unit, 4-5× slower than this).
    /// </summary>
    [MethodImpl(MethodImplOptions.NoInlining | MethodImplOptions.AggressiveOptimization)]
    private static void Gemm512<TFormat>(byte* group, int blocks, int units, Q8Row x0, Q8Row x1, float* output, int stride, int validRows,
        byte* ahead, long perUnit)
        where TFormat : struct, IQuantFormat
    {
        Vector512<float> acc0 = default, acc1 = default;
        for (int u = 0; u < units; u++)
        {
            if (ahead != null)
            {
                for (long b = u * perUnit, end = b + perUnit; b < end; b += 64) Sse.Prefetch1(ahead + b);
            }
            var tile = TFormat.Load512(group, blocks, u);
            acc0 = Accumulate<TFormat>(acc0, tile, x0, u);
            acc1 = Accumulate<TFormat>(acc1, tile, x1, u);
        }
        Store(acc0, output, validRows);
        Store(acc1, output + stride, validRows);
    }

    /// <summary>
    /// A unit's contribution for one token, in two forms, each a method of its own for the same reason as
    /// <see cref="Avx512ByteDot.Dot{TFormat}"/>.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector512<float> Accumulate<TFormat>(Vector512<float> acc, in Tile512 tile, Q8Row x, int unit)
        where TFormat : struct, IQuantFormat =>
        TFormat.SplitScales ? AccumulateSplit<TFormat>(acc, tile, x, unit) : AccumulateWhole<TFormat>(acc, tile, x, unit);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector512<float> AccumulateWhole<TFormat>(Vector512<float> acc, in Tile512 tile, Q8Row x, int unit)
        where TFormat : struct, IQuantFormat
    {
        float dx = x.Scales[unit];
        var dot = Avx512ByteDot.Dot<TFormat>(tile, x.Quants + 32 * unit);
        if (TFormat.Offset != 0) dot -= Vector512.Create(TFormat.Offset * x.Sums[unit]);
        acc = Vector512.FusedMultiplyAdd(Vector512.ConvertToSingle(dot), tile.Scales * Vector512.Create(dx), acc);
        if (TFormat.HasMins) acc = Vector512.FusedMultiplyAdd(tile.Mins, Vector512.Create(-dx * x.Sums[unit]), acc);
        return acc;
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector512<float> AccumulateSplit<TFormat>(Vector512<float> acc, in Tile512 tile, Q8Row x, int unit)
        where TFormat : struct, IQuantFormat
    {
        float dx = x.Scales[unit];
        Avx512ByteDot.DotHalves<TFormat>(tile, x.Quants + 32 * unit, out var low, out var high);
        int lowSum = x.LowSums[unit];
        if (TFormat.Offset != 0)
        {
            low -= Vector512.Create(TFormat.Offset * lowSum);
            high -= Vector512.Create(TFormat.Offset * (x.Sums[unit] - lowSum));
        }
        acc = Vector512.FusedMultiplyAdd(Vector512.ConvertToSingle(low), tile.Scales * Vector512.Create(dx), acc);
        acc = Vector512.FusedMultiplyAdd(Vector512.ConvertToSingle(high), tile.HighScales * Vector512.Create(dx), acc);
        if (TFormat.HasMins)
        {
            acc = Vector512.FusedMultiplyAdd(tile.Mins, Vector512.Create(-dx * lowSum), acc);
            acc = Vector512.FusedMultiplyAdd(tile.HighMins, Vector512.Create(-dx * (x.Sums[unit] - lowSum)), acc);
        }
        return acc;
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
        for (int g = groupStart; g < groupEnd; g++)
        {
            byte* group = tiles + g * groupBytes;
            float* o = output + g * Rows;
            int valid = rows - g * Rows;
            int i = 0;
            while (inputs - i >= 2)
            {
                int count = Math.Min(TDot.GemmTokens, inputs - i);
                for (int half = 0; half < 2; half++)
                {
                    Gemm256<TFormat, TDot>(group, blocks, units, half, x + i, count, o + (long)i * stride + 8 * half, stride, valid - 8 * half);
                }
                i += count;
            }
            if (i < inputs)
            {
                var (low, high) = RowVector256<TFormat, TDot>(group, blocks, units, x[i]);
                Store(low, o + (long)i * stride, valid);
                Store(high, o + (long)i * stride + 8, valid - 8);
            }
        }
    }

    /// <summary>One accumulator per half, as <see cref="Gemm256{TFormat, TDot}"/> has per token, so the two round alike.</summary>
    [MethodImpl(MethodImplOptions.NoInlining | MethodImplOptions.AggressiveOptimization)]
    private static (Vector256<float>, Vector256<float>) RowVector256<TFormat, TDot>(byte* group, int blocks, int units, Q8Row x)
        where TFormat : struct, IQuantFormat where TDot : IByteDot256
    {
        Vector256<float> acc0 = default, acc1 = default;
        var prefetch = new StreamPrefetch(group, TFormat.GroupBytes(blocks), units);
        for (int u = 0; u < units; u++)
        {
            prefetch.Next();
            acc0 = Accumulate<TFormat, TDot>(acc0, TFormat.Load256(group, blocks, u, 0), x, u);
            acc1 = Accumulate<TFormat, TDot>(acc1, TFormat.Load256(group, blocks, u, 1), x, u);
        }
        return (acc0, acc1);
    }

    /// <summary>
    /// <see cref="IByteDot256.GemmTokens"/> tokens (2 to 4; the first <paramref name="count"/> stored) per unpacking of
    /// a half group.
    /// </summary>
    [MethodImpl(MethodImplOptions.NoInlining | MethodImplOptions.AggressiveOptimization)]
    private static void Gemm256<TFormat, TDot>(byte* group, int blocks, int units, int half, Q8Row* x, int count, float* output,
        int stride, int validRows) where TFormat : struct, IQuantFormat where TDot : IByteDot256
    {
        if (validRows <= 0) return;
        Q8Row x0 = x[0], x1 = x[1], x2 = x[Math.Min(2, count - 1)], x3 = x[Math.Min(3, count - 1)];
        Vector256<float> acc0 = default, acc1 = default, acc2 = default, acc3 = default;
        for (int u = 0; u < units; u++)
        {
            var tile = TFormat.Load256(group, blocks, u, half);
            acc0 = Accumulate<TFormat, TDot>(acc0, tile, x0, u);
            acc1 = Accumulate<TFormat, TDot>(acc1, tile, x1, u);
            if (TDot.GemmTokens > 2)
            {
                acc2 = Accumulate<TFormat, TDot>(acc2, tile, x2, u);
                acc3 = Accumulate<TFormat, TDot>(acc3, tile, x3, u);
            }
        }
        Store(acc0, output, validRows);
        Store(acc1, output + stride, validRows);
        if (count > 2) Store(acc2, output + 2L * stride, validRows);
        if (count > 3) Store(acc3, output + 3L * stride, validRows);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector256<float> Accumulate<TFormat, TDot>(Vector256<float> acc, in Tile256 tile, Q8Row x, int unit)
        where TFormat : struct, IQuantFormat where TDot : IByteDot256
    {
        float dx = x.Scales[unit];
        if (TFormat.SplitScales)
        {
            TDot.DotHalves<TFormat>(tile, x.Quants + 32 * unit, out var low, out var high);
            int lowSum = x.LowSums[unit];
            if (TFormat.Offset != 0)
            {
                low -= Vector256.Create(TFormat.Offset * lowSum);
                high -= Vector256.Create(TFormat.Offset * (x.Sums[unit] - lowSum));
            }
            acc = Vector256.FusedMultiplyAdd(Vector256.ConvertToSingle(low), tile.Scales * Vector256.Create(dx), acc);
            acc = Vector256.FusedMultiplyAdd(Vector256.ConvertToSingle(high), tile.HighScales * Vector256.Create(dx), acc);
            if (TFormat.HasMins)
            {
                acc = Vector256.FusedMultiplyAdd(tile.Mins, Vector256.Create(-dx * lowSum), acc);
                acc = Vector256.FusedMultiplyAdd(tile.HighMins, Vector256.Create(-dx * (x.Sums[unit] - lowSum)), acc);
            }
        }
        else
        {
            var dot = TDot.Dot<TFormat>(tile, x.Quants + 32 * unit);
            if (TFormat.Offset != 0) dot -= Vector256.Create(TFormat.Offset * x.Sums[unit]);
            acc = Vector256.FusedMultiplyAdd(Vector256.ConvertToSingle(dot), tile.Scales * Vector256.Create(dx), acc);
            if (TFormat.HasMins) acc = Vector256.FusedMultiplyAdd(tile.Mins, Vector256.Create(-dx * x.Sums[unit]), acc);
        }
        return acc;
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Store(Vector256<float> values, float* output, int validRows)
    {
        if (validRows >= 8) values.Store(output);
        else for (int r = 0; r < validRows; r++) output[r] = values.GetElement(r);
    }

    /// <summary>
    /// Software prefetch for the row·vector: walks a group's bytes <see cref="Distance"/> ahead of the unit being dotted,
    /// at the group's average bytes per unit, so the lines of the next groups are on their way while this one is
    /// dotted. Groups of a matrix lie back to back, so the walk runs on into the next group (and, at an item's last
    /// group, past it: a prefetch of an address outside the matrix is dropped, never a fault). The hardware prefetcher
    /// alone left the core waiting on its loads: the 151936 × 2048 output matrix streamed from memory at 7–8 GB/s on
    /// one thread and 13–16 GB/s on two without this, 11–11.5 and 22–23 GB/s with it (Q6_K: 6–8 → 12; 13–15 → 19–23),
    /// plain reads 10.6 / 20.7 GB/s in the same hold (bench/README.md, "Decode").
    /// </summary>
    private struct StreamPrefetch
    {
        private const int Distance = 4096;
        private readonly byte* _group;
        private readonly long _step;
        private long _until;
        private byte* _ahead;

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public StreamPrefetch(byte* group, long groupBytes, int units)
        {
            _group = group;
            _step = (groupBytes << 16) / units;
            _until = (long)Distance << 16;
            _ahead = group + Distance;
        }

        /// <summary>Prefetches the lines of one more unit's share of the group.</summary>
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public void Next()
        {
            _until += _step;
            for (byte* end = _group + (_until >> 16); _ahead < end; _ahead += 64) Sse.Prefetch0(_ahead);
        }
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
                TFormat.LoadScalar(tiles + g * groupBytes, blocks, unit, r, u, out float scale, out float highScale, out float min, out float highMin);
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
                        - (min * lowSum + highMin * (sum - lowSum))
                    : scale * (low + high - TFormat.Offset * sum) - min * sum;
                total += x[i].Scales[unit] * scaled;
            }
            output[(long)i * stride + g * Rows + r] = total;
        }
    }
}
