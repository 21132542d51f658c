using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using GroveMoE.Cpu.Model;

namespace GroveMoE.Cpu.Kernels.Attention;

/// <summary>One KV head and the query heads that share it, for a block of query rows of one sequence.</summary>
internal unsafe struct AttentionBlock
{
    /// <summary>Key blocks and value rows of the KV head (<see cref="KvCache"/>'s layout); F16 when <see cref="Halves"/>.</summary>
    public void* Keys, Values;
    public bool Halves;
    public int HeadDim;

    /// <summary>Query heads sharing the KV head; head i of row r at Queries + r·RowStride + i·HeadDim (the same in Output).</summary>
    public int Heads;
    public int Rows, RowStride;
    public float* Queries, Output;

    /// <summary>Row r sees positions [0, Limits[r]).</summary>
    public int* Limits;
    public float Scale;
}

/// <summary>
/// Causal attention of several query heads over one KV head, flash-attention style: the keys and values are read a
/// tile of <see cref="KvCache.Tile"/> positions at a time, once for every query row and head of the block, and each
/// query keeps a running maximum, denominator and weighted sum (online softmax), so no score row longer than a tile
/// exists. Scores take eight query heads against one vector of key positions at a time (the key layout puts one
/// dimension of sixteen positions in a vector); the weighted sum keeps eight vectors of the output in registers
/// across the tile's positions. Written once over <see cref="IFloatLanes{TVector}"/>.
/// </summary>
internal static unsafe class AttentionKernel
{
    private const int Tile = KvCache.Tile;
    private const int Block = KvCache.KeyBlock;
    private const int QueryGroup = 8;

    /// <summary>Floats of scratch one call needs: a tile of scores per query head, the running maxima and
    /// denominators, and room to widen an F16 tile of keys and values.</summary>
    public static int ScratchFloats(int heads, int rows, int headDim) =>
        heads * Tile + 2 * heads * rows + 2 * Tile * headDim + rows * Groups(heads) * QueryGroup * headDim;

    private static int Groups(int heads) => (heads + QueryGroup - 1) / QueryGroup;

    public static void Run(KernelPath path, in AttentionBlock block, float* scratch)
    {
        switch (path)
        {
            case KernelPath.Vector512: Run<Lanes512, Vector512<float>>(block, scratch); break;
            case KernelPath.Vector256 or KernelPath.Vector256Vnni: Run<Lanes256, Vector256<float>>(block, scratch); break;
            default: Run<Lanes1, float>(block, scratch); break;
        }
    }

    /// <summary>The widest path this CPU runs; the float kernel needs only AVX-512F or AVX2 and FMA.</summary>
    public static KernelPath Best { get; } =
        Vector512.IsHardwareAccelerated && KernelPaths.IsSupported(KernelPath.Vector512) ? KernelPath.Vector512
        : KernelPaths.IsSupported(KernelPath.Vector256) ? KernelPath.Vector256
        : KernelPath.Scalar;

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void Run<TL, TV>(in AttentionBlock b, float* scratch) where TL : struct, IFloatLanes<TV> where TV : struct
    {
        int hd = b.HeadDim, queries = b.Heads * b.Rows;
        float* scores = scratch, maxima = scores + b.Heads * Tile, sums = maxima + queries;
        float* keyTile = sums + queries, valueTile = keyTile + Tile * hd, packed = valueTile + Tile * hd;
        int groups = Groups(b.Heads), end = 0;
        for (int r = 0; r < b.Rows; r++)
        {
            end = Math.Max(end, b.Limits[r]);
            for (int g = 0; g < groups; g++)
                Pack(b.Queries + (long)r * b.RowStride, g * QueryGroup, Math.Min(QueryGroup, b.Heads - g * QueryGroup), hd, packed + (r * groups + g) * QueryGroup * hd);
            for (int i = 0; i < b.Heads; i++) new Span<float>(b.Output + (long)r * b.RowStride + i * hd, hd).Clear();
        }
        new Span<float>(maxima, queries).Fill(float.NegativeInfinity);
        new Span<float>(sums, queries).Clear();

        for (int start = 0; start < end; start += Tile)
        {
            float* keys = (float*)b.Keys + (long)start * hd, values = (float*)b.Values + (long)start * hd;
            if (b.Halves)
            {
                // Widened once for every query of the block; whole key blocks, and only the value rows some row sees.
                Widen<TL, TV>((ushort*)b.Keys + (long)start * hd, keyTile, Tile * hd);
                Widen<TL, TV>((ushort*)b.Values + (long)start * hd, valueTile, Math.Min(Tile, end - start) * hd);
                keys = keyTile;
                values = valueTile;
            }

            for (int r = 0; r < b.Rows; r++)
            {
                int valid = Math.Min(Tile, b.Limits[r] - start);
                if (valid <= 0) continue;
                float* output = b.Output + (long)r * b.RowStride;
                for (int g = 0; g < groups; g++)
                {
                    int first = g * QueryGroup, count = Math.Min(QueryGroup, b.Heads - first);
                    Scores<TL, TV>(keys, packed + (r * groups + g) * QueryGroup * hd, count, hd, valid, b.Scale, scores);
                    for (int i = 0; i < count; i++)
                    {
                        int query = r * b.Heads + first + i;
                        Softmax<TL, TV>(scores + i * Tile, valid, ref maxima[query], ref sums[query], output + (first + i) * hd, hd);
                    }
                    int pair = 0;
                    for (; pair + 2 <= count; pair += 2)
                        WeightedSum2<TL, TV>(scores + pair * Tile, valid, values, output + (first + pair) * hd, hd);
                    if (pair < count) WeightedSum<TL, TV>(scores + pair * Tile, valid, values, output + (first + pair) * hd, hd);
                }
            }
        }

        for (int r = 0; r < b.Rows; r++)
        {
            for (int i = 0; i < b.Heads; i++)
            {
                float sum = sums[r * b.Heads + i];
                if (sum > 0) Scale<TL, TV>(b.Output + (long)r * b.RowStride + i * hd, hd, 1f / sum);
            }
        }
    }

    /// <summary>scores[i·Tile + p] = scale · q_i · key_p for the tile's first <paramref name="valid"/> positions, −∞ after;
    /// <paramref name="packed"/> holds the eight queries interleaved (dimension d of query i at d·8 + i), so one pointer
    /// and constant offsets reach them and the eight accumulators stay in registers.</summary>
    // Its own method: inlined into Run, the JIT spilled the eight accumulators every iteration (a third of the speed).
    [MethodImpl(MethodImplOptions.NoInlining | MethodImplOptions.AggressiveOptimization)]
    private static void Scores<TL, TV>(float* keys, float* packed, int count, int hd, int valid, float scale, float* scores)
        where TL : struct, IFloatLanes<TV> where TV : struct
    {
        var factor = TL.Broadcast(scale);
        for (int p = 0; p < valid; p += TL.Count)
        {
            float* k = keys + p / Block * Block * hd + p % Block, q = packed, last = k + hd * Block;
            TV a0 = TL.Zero, a1 = TL.Zero, a2 = TL.Zero, a3 = TL.Zero, a4 = TL.Zero, a5 = TL.Zero, a6 = TL.Zero, a7 = TL.Zero;
            for (; k < last; k += Block, q += QueryGroup)
            {
                var kd = TL.Load(k);
                a0 = TL.MultiplyAdd(TL.Broadcast(q[0]), kd, a0);
                a1 = TL.MultiplyAdd(TL.Broadcast(q[1]), kd, a1);
                a2 = TL.MultiplyAdd(TL.Broadcast(q[2]), kd, a2);
                a3 = TL.MultiplyAdd(TL.Broadcast(q[3]), kd, a3);
                a4 = TL.MultiplyAdd(TL.Broadcast(q[4]), kd, a4);
                a5 = TL.MultiplyAdd(TL.Broadcast(q[5]), kd, a5);
                a6 = TL.MultiplyAdd(TL.Broadcast(q[6]), kd, a6);
                a7 = TL.MultiplyAdd(TL.Broadcast(q[7]), kd, a7);
            }
            int lanes = valid - p;
            float* s = scores + p;
            TL.Store(TL.KeepFirst(TL.Multiply(a0, factor), lanes), s);
            if (count > 1) TL.Store(TL.KeepFirst(TL.Multiply(a1, factor), lanes), s + Tile);
            if (count > 2) TL.Store(TL.KeepFirst(TL.Multiply(a2, factor), lanes), s + 2 * Tile);
            if (count > 3) TL.Store(TL.KeepFirst(TL.Multiply(a3, factor), lanes), s + 3 * Tile);
            if (count > 4) TL.Store(TL.KeepFirst(TL.Multiply(a4, factor), lanes), s + 4 * Tile);
            if (count > 5) TL.Store(TL.KeepFirst(TL.Multiply(a5, factor), lanes), s + 5 * Tile);
            if (count > 6) TL.Store(TL.KeepFirst(TL.Multiply(a6, factor), lanes), s + 6 * Tile);
            if (count > 7) TL.Store(TL.KeepFirst(TL.Multiply(a7, factor), lanes), s + 7 * Tile);
        }
    }

    /// <summary>Interleaves query heads [first, first + count) of a row for <see cref="Scores{TL, TV}"/>; a short
    /// group repeats its last head, so the eight accumulators always run.</summary>
    private static void Pack(float* q, int first, int count, int hd, float* packed)
    {
        for (int i = 0; i < QueryGroup; i++)
        {
            float* head = q + (first + Math.Min(i, count - 1)) * hd;
            for (int d = 0; d < hd; d++) packed[d * QueryGroup + i] = head[d];
        }
    }

    /// <summary>The online-softmax step of one query over one tile: the new maximum, the scores turned into weights
    /// exp(score − max) in place, and the denominator and output so far rescaled to the new maximum.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Softmax<TL, TV>(float* scores, int valid, ref float maximum, ref float sum, float* output, int hd)
        where TL : struct, IFloatLanes<TV> where TV : struct
    {
        var top = TL.Load(scores);
        for (int p = TL.Count; p < valid; p += TL.Count) top = TL.Max(top, TL.Load(scores + p));
        float next = MathF.Max(maximum, TL.MaxAcross(top));
        float correction = MathF.Exp(maximum - next);
        var shift = TL.Broadcast(-next);
        var total = TL.Zero;
        for (int p = 0; p < valid; p += TL.Count)
        {
            // The −∞ lanes past the valid positions give weight 0.
            var weight = ExpNonPositive<TL, TV>(TL.Add(TL.Load(scores + p), shift));
            TL.Store(weight, scores + p);
            total = TL.Add(total, weight);
        }
        sum = sum * correction + TL.SumAcross(total);
        maximum = next;
        if (correction != 1f) Scale<TL, TV>(output, hd, correction);
    }

    /// <summary>output_a += Σ_p weight_a[p] · value_p for two query heads (weights a Tile apart) at once: each value
    /// vector loaded once feeds both.</summary>
    // Its own method: inlined into Run, the JIT spilled the eight accumulators every iteration (a third of the speed).
    [MethodImpl(MethodImplOptions.NoInlining | MethodImplOptions.AggressiveOptimization)]
    private static void WeightedSum2<TL, TV>(float* weights, int valid, float* values, float* output, int hd)
        where TL : struct, IFloatLanes<TV> where TV : struct
    {
        float* weightsB = weights + Tile, outputB = output + hd;
        int c = 0;
        for (; c + 4 * TL.Count <= hd; c += 4 * TL.Count)
        {
            float* o = output + c, ob = outputB + c;
            TV a0 = TL.Load(o), a1 = TL.Load(o + TL.Count), a2 = TL.Load(o + 2 * TL.Count), a3 = TL.Load(o + 3 * TL.Count);
            TV b0 = TL.Load(ob), b1 = TL.Load(ob + TL.Count), b2 = TL.Load(ob + 2 * TL.Count), b3 = TL.Load(ob + 3 * TL.Count);
            float* v = values + c;
            for (int p = 0; p < valid; p++, v += hd)
            {
                TV wa = TL.Broadcast(weights[p]), wb = TL.Broadcast(weightsB[p]);
                TV v0 = TL.Load(v), v1 = TL.Load(v + TL.Count), v2 = TL.Load(v + 2 * TL.Count), v3 = TL.Load(v + 3 * TL.Count);
                a0 = TL.MultiplyAdd(wa, v0, a0);
                b0 = TL.MultiplyAdd(wb, v0, b0);
                a1 = TL.MultiplyAdd(wa, v1, a1);
                b1 = TL.MultiplyAdd(wb, v1, b1);
                a2 = TL.MultiplyAdd(wa, v2, a2);
                b2 = TL.MultiplyAdd(wb, v2, b2);
                a3 = TL.MultiplyAdd(wa, v3, a3);
                b3 = TL.MultiplyAdd(wb, v3, b3);
            }
            TL.Store(a0, o); TL.Store(a1, o + TL.Count); TL.Store(a2, o + 2 * TL.Count); TL.Store(a3, o + 3 * TL.Count);
            TL.Store(b0, ob); TL.Store(b1, ob + TL.Count); TL.Store(b2, ob + 2 * TL.Count); TL.Store(b3, ob + 3 * TL.Count);
        }
        if (c < hd)
        {
            WeightedSumFrom<TL, TV>(c, weights, valid, values, output, hd);
            WeightedSumFrom<TL, TV>(c, weightsB, valid, values, outputB, hd);
        }
    }

    /// <summary>output += Σ_p weights[p] · value_p for one query head.</summary>
    [MethodImpl(MethodImplOptions.NoInlining | MethodImplOptions.AggressiveOptimization)]
    private static void WeightedSum<TL, TV>(float* scores, int valid, float* values, float* output, int hd)
        where TL : struct, IFloatLanes<TV> where TV : struct
    {
        int c = 0;
        for (; c + 8 * TL.Count <= hd; c += 8 * TL.Count)
        {
            float* o = output + c;
            TV a0 = TL.Load(o), a1 = TL.Load(o + TL.Count), a2 = TL.Load(o + 2 * TL.Count), a3 = TL.Load(o + 3 * TL.Count);
            TV a4 = TL.Load(o + 4 * TL.Count), a5 = TL.Load(o + 5 * TL.Count), a6 = TL.Load(o + 6 * TL.Count), a7 = TL.Load(o + 7 * TL.Count);
            float* v = values + c;
            for (int p = 0; p < valid; p++, v += hd)
            {
                var w = TL.Broadcast(scores[p]);
                a0 = TL.MultiplyAdd(w, TL.Load(v), a0);
                a1 = TL.MultiplyAdd(w, TL.Load(v + TL.Count), a1);
                a2 = TL.MultiplyAdd(w, TL.Load(v + 2 * TL.Count), a2);
                a3 = TL.MultiplyAdd(w, TL.Load(v + 3 * TL.Count), a3);
                a4 = TL.MultiplyAdd(w, TL.Load(v + 4 * TL.Count), a4);
                a5 = TL.MultiplyAdd(w, TL.Load(v + 5 * TL.Count), a5);
                a6 = TL.MultiplyAdd(w, TL.Load(v + 6 * TL.Count), a6);
                a7 = TL.MultiplyAdd(w, TL.Load(v + 7 * TL.Count), a7);
            }
            TL.Store(a0, o); TL.Store(a1, o + TL.Count); TL.Store(a2, o + 2 * TL.Count); TL.Store(a3, o + 3 * TL.Count);
            TL.Store(a4, o + 4 * TL.Count); TL.Store(a5, o + 5 * TL.Count); TL.Store(a6, o + 6 * TL.Count); TL.Store(a7, o + 7 * TL.Count);
        }
        WeightedSumFrom<TL, TV>(c, scores, valid, values, output, hd);
    }

    /// <summary>Dimensions [c, hd) of <see cref="WeightedSum{TL, TV}"/>: head sizes that are not a multiple of the wide
    /// loops' step finish a vector, then a float, at a time.</summary>
    private static void WeightedSumFrom<TL, TV>(int c, float* scores, int valid, float* values, float* output, int hd)
        where TL : struct, IFloatLanes<TV> where TV : struct
    {
        for (; c + TL.Count <= hd; c += TL.Count)
        {
            var acc = TL.Load(output + c);
            for (int p = 0; p < valid; p++) acc = TL.MultiplyAdd(TL.Broadcast(scores[p]), TL.Load(values + p * hd + c), acc);
            TL.Store(acc, output + c);
        }
        for (; c < hd; c++)
        {
            float acc = output[c];
            for (int p = 0; p < valid; p++) acc = MathF.FusedMultiplyAdd(scores[p], values[p * hd + c], acc);
            output[c] = acc;
        }
    }

    /// <summary>
    /// e^x for x ≤ 0 (−∞ included), inline: x = n·ln2 + r with |r| ≤ ln2/2, e^r by Cephes' expf polynomial (within
    /// 2 ulp), times 2^n. Below ln 2^−126 it gives 2^−126·e^r instead of a subnormal or 0, a weight no sum notices.
    /// Vector512.Exp is a call, and it cost the kernel a sixth of its speed.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static TV ExpNonPositive<TL, TV>(TV x) where TL : struct, IFloatLanes<TV> where TV : struct
    {
        x = TL.Max(x, TL.Broadcast(-87.33654f));
        var n = TL.Round(TL.Multiply(x, TL.Broadcast(1.44269504f)));
        var r = TL.MultiplyAdd(n, TL.Broadcast(-0.693359375f), x);
        r = TL.MultiplyAdd(n, TL.Broadcast(2.12194440e-4f), r);
        var p = TL.MultiplyAdd(TL.Broadcast(1.9875691500e-4f), r, TL.Broadcast(1.3981999507e-3f));
        p = TL.MultiplyAdd(p, r, TL.Broadcast(8.3334519073e-3f));
        p = TL.MultiplyAdd(p, r, TL.Broadcast(4.1665795894e-2f));
        p = TL.MultiplyAdd(p, r, TL.Broadcast(1.6666665459e-1f));
        p = TL.MultiplyAdd(p, r, TL.Broadcast(5.0000001201e-1f));
        var y = TL.Add(TL.MultiplyAdd(TL.Multiply(p, r), r, r), TL.Broadcast(1f));
        return TL.ScaleByPowerOfTwo(y, n);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Scale<TL, TV>(float* values, int length, float factor) where TL : struct, IFloatLanes<TV> where TV : struct
    {
        var f = TL.Broadcast(factor);
        int i = 0;
        for (; i + TL.Count <= length; i += TL.Count) TL.Store(TL.Multiply(TL.Load(values + i), f), values + i);
        for (; i < length; i++) values[i] *= factor;
    }

    private static void Widen<TL, TV>(ushort* source, float* destination, int length) where TL : struct, IFloatLanes<TV> where TV : struct
    {
        int i = 0;
        for (; i + TL.Count <= length; i += TL.Count) TL.Store(TL.LoadHalves(source + i), destination + i);
        for (; i < length; i++) destination[i] = (float)BitConverter.UInt16BitsToHalf(source[i]);
    }
}
