using System.Numerics.Tensors;
using GroveMoE.Cpu.Kernels;

namespace GroveMoE.Cpu.Model;

/// <summary>
/// Causal grouped-query attention of a batch of query rows over the KV cache: one item per (token, head).
/// Query token t sits at position <c>StartPosition + t</c> and sees positions 0..that position.
/// </summary>
internal sealed class AttentionWork(GroveConfig config, int capacity, int threads) : IParallelWork
{
    private readonly float[][] _scores = Enumerable.Range(0, threads).Select(_ => new float[capacity]).ToArray();
    private readonly float[][] _rows = Enumerable.Range(0, threads).Select(_ => new float[config.HeadDim]).ToArray();
    private readonly float _scale = 1f / MathF.Sqrt(config.HeadDim);
    private readonly int _queriesPerKv = config.Heads / config.KvHeads;

    public KvCache Cache = null!;
    public int Layer;
    public int StartPosition;
    public float[] Queries = null!;
    public BatchInput Output = null!;

    public void Execute(int start, int end, int worker)
    {
        int hd = config.HeadDim;
        var scores = _scores[worker];
        var row = _rows[worker].AsSpan();
        for (int item = start; item < end; item++)
        {
            int t = item / config.Heads, head = item % config.Heads;
            int kvOffset = head / _queriesPerKv * hd;
            int positions = StartPosition + t + 1;
            var q = Queries.AsSpan(t * config.QueryDim + head * hd, hd);
            for (int j = 0; j < positions; j++)
                scores[j] = TensorPrimitives.Dot(q, Cache.Key(Layer, j, kvOffset, row)) * _scale;
            var weights = scores.AsSpan(0, positions);
            TensorPrimitives.SoftMax(weights, weights);
            var output = Output.Row(t).Slice(head * hd, hd);
            output.Clear();
            for (int j = 0; j < positions; j++)
                TensorPrimitives.MultiplyAdd(Cache.Value(Layer, j, kvOffset, row), weights[j], output, output);
        }
    }
}
