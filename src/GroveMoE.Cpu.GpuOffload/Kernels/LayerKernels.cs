using ILGPU;

namespace GroveMoE.Cpu.GpuOffload.Kernels;

/// <summary>Sizes the attention kernels share, passed by value.</summary>
internal struct AttentionShape
{
    public int Heads;
    public int KvHeads;
    public int HeadDim;
    public int StartPosition;
    public int Capacity;
    public float Epsilon;

    public readonly int QueryDim => Heads * HeadDim;
    public readonly int KvDim => KvHeads * HeadDim;
}

/// <summary>
/// The kernels of one transformer layer, each the device twin of a CPU step in <c>GroveForward</c> with the same
/// arithmetic, one thread per output element (or per row, head or token where the step is sequential).
/// </summary>
internal static class LayerKernels
{
    /// <summary>Q8 blocks of the activation rows: scale = max|x| / 127, round half away from zero (as ggml's Q8_0).</summary>
    public static void Quantize(Index1D index, DeviceActivations x)
    {
        int blocks = x.Blocks;
        int row = index / blocks, b = index % blocks;
        long start = (long)row * x.Columns + b * 32;
        float amax = 0;
        for (int j = 0; j < 32; j++) amax = MathF.Max(amax, MathF.Abs(x.Floats[start + j]));
        float d = amax / 127f;
        float id = d != 0 ? 1f / d : 0f;
        int sum = 0;
        for (int j = 0; j < 32; j++)
        {
            float v = x.Floats[start + j] * id;
            int q = (int)v;
            float fraction = v - q;
            if (fraction >= 0.5f) q++;
            else if (fraction <= -0.5f) q--;
            x.Quants[start + j] = (sbyte)q;
            sum += q;
        }
        x.Scales[(long)row * blocks + b] = d;
        x.Sums[(long)row * blocks + b] = sum;
    }

    /// <summary>output row = x row / sqrt(mean(x²) + eps) * weight.</summary>
    public static void RmsNorm(Index1D row, ArrayView<float> x, ArrayView<float> weight, DeviceActivations output, float epsilon)
    {
        int cols = output.Columns;
        long start = (long)row.X * cols;
        float sumOfSquares = 0;
        for (int i = 0; i < cols; i++) sumOfSquares += x[start + i] * x[start + i];
        float scale = 1f / MathF.Sqrt(sumOfSquares / cols + epsilon);
        for (int i = 0; i < cols; i++) output.Floats[start + i] = x[start + i] * scale * weight[i];
    }

    /// <summary>
    /// output[i * stride + r] = W[r] · x[i], one warp per (input row i, weight row r): launched with
    /// <c>KernelSet.MatMul</c> over <paramref name="outputs"/> = rows of x × rows of W.
    /// </summary>
    public static void MatMul(int outputs, DeviceMatrix w, DeviceActivations x, ArrayView<float> output, int outputStride)
    {
        int index = Grid.GlobalIndex.X / Warp.WarpSize;
        if (index >= outputs) return;
        int i = index / w.Rows, r = index % w.Rows;
        float dot = WeightDot.WarpSum(WeightDot.PartialDot(w, w.RowOffset(0, r), x, i, Warp.LaneIdx, Warp.WarpSize));
        if (Warp.IsFirstLane) output[(long)i * outputStride + r] = dot;
    }

    /// <summary>
    /// Per-head RMS norm and NeoX RoPE of the queries (in place) and keys (into the cache), and the values into
    /// the cache: one thread per (token, query or KV head). <paramref name="headNorms"/> holds q_norm then k_norm;
    /// <paramref name="angles"/> holds per token cos then sin (HeadDim / 2 each).
    /// </summary>
    public static void HeadNormRope(Index1D index, ArrayView<float> q, ArrayView<float> k, ArrayView<float> v,
        ArrayView<float> headNorms, ArrayView<float> angles, ArrayView<float> keyCache, ArrayView<float> valueCache,
        AttentionShape s)
    {
        int headsPerToken = s.Heads + s.KvHeads;
        int t = index / headsPerToken, h = index % headsPerToken;
        int hd = s.HeadDim, half = hd / 2;
        ArrayView<float> head;
        int normOffset;
        if (h < s.Heads)
        {
            head = q.SubView((long)t * s.QueryDim + h * hd, hd);
            normOffset = 0;
        }
        else
        {
            int kv = h - s.Heads;
            long cacheRow = (long)(s.StartPosition + t) * s.KvDim + kv * hd;
            head = keyCache.SubView(cacheRow, hd);
            long source = (long)t * s.KvDim + kv * hd;
            for (int i = 0; i < hd; i++)
            {
                head[i] = k[source + i];
                valueCache[cacheRow + i] = v[source + i];
            }
            normOffset = hd;
        }

        float sumOfSquares = 0;
        for (int i = 0; i < hd; i++) sumOfSquares += head[i] * head[i];
        float scale = 1f / MathF.Sqrt(sumOfSquares / hd + s.Epsilon);
        for (int i = 0; i < hd; i++) head[i] = head[i] * scale * headNorms[normOffset + i];

        long table = (long)t * hd;
        for (int i = 0; i < half; i++)
        {
            float cos = angles[table + i], sin = angles[table + half + i];
            float x0 = head[i], x1 = head[i + half];
            head[i] = x0 * cos - x1 * sin;
            head[i + half] = x0 * sin + x1 * cos;
        }
    }

    /// <summary>Causal grouped-query attention over the cache, one thread per (token, query head).</summary>
    public static void Attention(Index1D index, ArrayView<float> q, ArrayView<float> keyCache, ArrayView<float> valueCache,
        ArrayView<float> scores, DeviceActivations output, AttentionShape s)
    {
        int t = index / s.Heads, head = index % s.Heads;
        int hd = s.HeadDim;
        int kvOffset = head / (s.Heads / s.KvHeads) * hd;
        int positions = s.StartPosition + t + 1;
        long query = (long)t * s.QueryDim + head * hd;
        long scoreStart = (long)index.X * s.Capacity;
        float scale = 1f / MathF.Sqrt(hd);

        float max = float.NegativeInfinity;
        for (int j = 0; j < positions; j++)
        {
            long key = (long)j * s.KvDim + kvOffset;
            float dot = 0;
            for (int i = 0; i < hd; i++) dot += q[query + i] * keyCache[key + i];
            dot *= scale;
            scores[scoreStart + j] = dot;
            max = MathF.Max(max, dot);
        }
        float sum = 0;
        for (int j = 0; j < positions; j++)
        {
            float e = MathF.Exp(scores[scoreStart + j] - max);
            scores[scoreStart + j] = e;
            sum += e;
        }
        long outStart = (long)t * s.QueryDim + head * hd;
        for (int i = 0; i < hd; i++)
        {
            float acc = 0;
            for (int j = 0; j < positions; j++) acc += scores[scoreStart + j] / sum * valueCache[(long)j * s.KvDim + kvOffset + i];
            output.Floats[outStart + i] = acc;
        }
    }

    public static void AddInPlace(Index1D i, ArrayView<float> x, ArrayView<float> y) => x[i] += y[i];

    /// <summary>
    /// GroveMoE routing of one token (one thread per token), as <c>ExpertRouter</c>: top-k by sigmoid (ties to the
    /// lower index), softmax over the selected, then the distinct groups in order of first appearance with summed
    /// weights × <paramref name="groupScale"/>; unused group slots get group -1 and weight 0.
    /// </summary>
    public static void Route(Index1D t, ArrayView<float> logits, int experts, int k, int expertsPerGroup, float groupScale,
        ArrayView<int> selected, ArrayView<float> weights, ArrayView<int> groups, ArrayView<float> groupWeights,
        ArrayView<int> groupCounts)
    {
        long l0 = (long)t.X * experts, s0 = (long)t.X * k;
        int count = 0;
        for (int e = 0; e < experts; e++)
        {
            float score = Sigmoid(logits[l0 + e]);
            if (count == k && score <= Sigmoid(logits[l0 + selected[s0 + k - 1]])) continue;
            int pos = count < k - 1 ? count : k - 1;
            while (pos > 0 && score > Sigmoid(logits[l0 + selected[s0 + pos - 1]]))
            {
                selected[s0 + pos] = selected[s0 + pos - 1];
                pos--;
            }
            selected[s0 + pos] = e;
            if (count < k) count++;
        }

        float max = float.NegativeInfinity;
        for (int i = 0; i < k; i++) max = MathF.Max(max, logits[l0 + selected[s0 + i]]);
        float sum = 0;
        for (int i = 0; i < k; i++)
        {
            weights[s0 + i] = MathF.Exp(logits[l0 + selected[s0 + i]] - max);
            sum += weights[s0 + i];
        }
        for (int i = 0; i < k; i++) weights[s0 + i] /= sum;

        int distinct = 0;
        for (int i = 0; i < k; i++)
        {
            int g = selected[s0 + i] / expertsPerGroup;
            int at = -1;
            for (int j = 0; j < distinct; j++)
            {
                if (groups[s0 + j] == g) at = j;
            }
            if (at < 0)
            {
                at = distinct++;
                groups[s0 + at] = g;
                groupWeights[s0 + at] = 0;
            }
            groupWeights[s0 + at] += weights[s0 + i];
        }
        for (int i = 0; i < distinct; i++) groupWeights[s0 + i] = groupScale * groupWeights[s0 + i];
        for (int i = distinct; i < k; i++)
        {
            groups[s0 + i] = -1;
            groupWeights[s0 + i] = 0;
        }
        groupCounts[t] = distinct;
    }

    /// <summary>
    /// activation[a] = silu(Wgate_e x[t]) * (Wup_e x[t]) for assignment a = t * k + slot of expert e = experts[a],
    /// one warp per (assignment, width element) over <paramref name="outputs"/>; e = -1 (an unused slot) gives zeros.
    /// </summary>
    public static void ExpertGateUp(int outputs, DeviceMatrix gate, DeviceMatrix up, DeviceActivations x,
        ArrayView<int> experts, int k, DeviceActivations activation)
    {
        int index = Grid.GlobalIndex.X / Warp.WarpSize;
        if (index >= outputs) return;
        int width = activation.Columns;
        int a = index / width, i = index % width;
        int e = experts[a];
        float value = 0;
        if (e >= 0)
        {
            float g = WeightDot.WarpSum(WeightDot.PartialDot(gate, gate.RowOffset(e, i), x, a / k, Warp.LaneIdx, Warp.WarpSize));
            float u = WeightDot.WarpSum(WeightDot.PartialDot(up, up.RowOffset(e, i), x, a / k, Warp.LaneIdx, Warp.WarpSize));
            value = g / (1f + MathF.Exp(-g)) * u;
        }
        if (Warp.IsFirstLane) activation.Floats[index] = value;
    }

    /// <summary>output[a] = Wdown_e activation[a], one warp per (assignment, hidden element) over <paramref name="outputs"/>.</summary>
    public static void ExpertDown(int outputs, DeviceMatrix down, DeviceActivations activation, ArrayView<int> experts,
        ArrayView<float> output)
    {
        int index = Grid.GlobalIndex.X / Warp.WarpSize;
        if (index >= outputs) return;
        int hidden = down.Rows;
        int a = index / hidden, j = index % hidden;
        int e = experts[a];
        float value = 0;
        if (e >= 0) value = WeightDot.WarpSum(WeightDot.PartialDot(down, down.RowOffset(e, j), activation, a, Warp.LaneIdx, Warp.WarpSize));
        if (Warp.IsFirstLane) output[index] = value;
    }

    /// <summary>x[t] += Σ weight × routed output + Σ group weight × adjugate output, one thread per element of x.</summary>
    public static void AccumulateExperts(Index1D index, ArrayView<float> x, int hidden, int k,
        ArrayView<float> weights, ArrayView<float> routed, ArrayView<float> groupWeights, ArrayView<float> adjugate)
    {
        int t = index / hidden, j = index % hidden;
        float value = x[index];
        for (int s = 0; s < k; s++)
        {
            long a = (long)t * k + s;
            value += weights[a] * routed[a * hidden + j];
        }
        for (int s = 0; s < k; s++)
        {
            long a = (long)t * k + s;
            value += groupWeights[a] * adjugate[a * hidden + j];
        }
        x[index] = value;
    }

    private static float Sigmoid(float x) => 1f / (1f + MathF.Exp(-x));
}
