using GroveMoE.Cpu.Kernels;
using GroveMoE.Cpu.Kernels.Attention;

namespace GroveMoE.Cpu.Model;

/// <summary>
/// Causal grouped-query attention of a batch of query rows over their sequences' KV caches. One item is a block of up
/// to <see cref="RowsPerBlock"/> consecutive rows of one sequence and one KV head with every query head sharing it
/// (<see cref="AttentionKernel"/>): each tile of keys and values is read once for all of them.
/// Row t sits at position <c>Batch.Positions[t]</c> of its sequence and sees that sequence's positions 0..that position.
/// </summary>
internal sealed unsafe class AttentionWork : IParallelWork
{
    /// <summary>Rows per item: enough queries to reuse each tile, few enough that a prompt chunk still splits into
    /// several items per thread.</summary>
    private const int RowsPerBlock = 4;

    private readonly GroveConfig _config;
    private readonly float[][] _scratch;
    private readonly int[] _blockStart, _blockRows;
    private readonly int[] _limits;
    private readonly int _queriesPerKv;
    private readonly float _scale;
    private int _blocks;

    public AttentionWork(GroveConfig config, int maxRows, int threads)
    {
        _config = config;
        _queriesPerKv = config.Heads / config.KvHeads;
        _scale = 1f / MathF.Sqrt(config.HeadDim);
        int floats = AttentionKernel.ScratchFloats(_queriesPerKv, RowsPerBlock, config.HeadDim);
        _scratch = Enumerable.Range(0, threads).Select(_ => new float[floats]).ToArray();
        _blockStart = new int[maxRows];
        _blockRows = new int[maxRows];
        _limits = new int[maxRows];
    }

    public KernelPath Path { get; set; } = AttentionKernel.Best;
    public SequenceBatch Batch { get; private set; } = null!;
    public int Layer { get; private set; }
    private float[] _queries = null!;
    private BatchInput _output = null!;

    /// <summary>Runs the attention of every row of <paramref name="batch"/> at <paramref name="layer"/> on the pool.</summary>
    public void Run(WorkerPool pool, SequenceBatch batch, int layer, float[] queries, BatchInput output)
    {
        (Batch, Layer, _queries, _output) = (batch, layer, queries, output);
        _blocks = 0;
        for (int t = 0; t < batch.Count; t++)
        {
            _limits[t] = batch.Positions[t] + 1;
            bool sameSequence = t > 0 && batch.Sequences[t] == batch.Sequences[t - 1];
            if (sameSequence && _blockRows[_blocks - 1] < RowsPerBlock) _blockRows[_blocks - 1]++;
            else (_blockStart[_blocks], _blockRows[_blocks++]) = (t, 1);
        }
        pool.Run(this, _blocks * _config.KvHeads);
    }

    public void Execute(int start, int end, int worker)
    {
        int hd = _config.HeadDim, rowStride = _config.QueryDim;
        fixed (float* queries = _queries, output = _output.Floats)
        fixed (int* limits = _limits)
        fixed (float* scratch = _scratch[worker])
        {
            for (int item = start; item < end; item++)
            {
                int block = item / _config.KvHeads, kvHead = item % _config.KvHeads;
                int t = _blockStart[block];
                var cache = Batch.Caches[Batch.Sequences[t]];
                bool halves = cache.Type == KvCacheType.F16;
                long offset = (long)t * rowStride + kvHead * _queriesPerKv * hd;
                var work = new AttentionBlock
                {
                    Keys = halves ? cache.HalfKeys(Layer, kvHead) : cache.Keys(Layer, kvHead),
                    Values = halves ? cache.HalfValues(Layer, kvHead) : cache.Values(Layer, kvHead),
                    Halves = halves,
                    HeadDim = hd,
                    Heads = _queriesPerKv,
                    Rows = _blockRows[block],
                    RowStride = rowStride,
                    Queries = queries + offset,
                    Output = output + offset,
                    Limits = limits + t,
                    Scale = _scale,
                };
                AttentionKernel.Run(Path, work, scratch);
            }
        }
    }
}
