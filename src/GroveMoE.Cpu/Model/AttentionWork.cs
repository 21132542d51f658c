using System.Numerics.Tensors;
using GroveMoE.Cpu.Kernels;

namespace GroveMoE.Cpu.Model;

/// <summary>
/// Causal grouped-query attention of a batch of query rows over their sequences' KV caches: one item per (row, head).
/// Row t sits at position <c>Batch.Positions[t]</c> of its sequence and sees that sequence's positions 0..that position.
/// </summary>
internal sealed class AttentionWork(GroveConfig config, int capacity, int threads) : IParallelWork
{
    private readonly float[][] _scores = Enumerable.Range(0, threads).Select(_ => new float[capacity]).ToArray();
    private readonly float[][] _rows = Enumerable.Range(0, threads).Select(_ => new float[config.HeadDim]).ToArray();
    private readonly float _scale = 1f / MathF.Sqrt(config.HeadDim);
    private readonly int _queriesPerKv = config.Heads / config.KvHeads;

    public SequenceBatch Batch = null!;
    public int Layer;
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
            int positions = Batch.Positions[t] + 1;
            var cache = Batch.Caches[Batch.Sequences[t]];
            var q = Queries.AsSpan(t * config.QueryDim + head * hd, hd);
            for (int j = 0; j < positions; j++)
                scores[j] = TensorPrimitives.Dot(q, cache.Key(Layer, j, kvOffset, row)) * _scale;
            var weights = scores.AsSpan(0, positions);
            TensorPrimitives.SoftMax(weights, weights);
            var output = Output.Row(t).Slice(head * hd, hd);
            output.Clear();
            for (int j = 0; j < positions; j++)
                TensorPrimitives.MultiplyAdd(cache.Value(Layer, j, kvOffset, row), weights[j], output, output);
        }
    }
}
