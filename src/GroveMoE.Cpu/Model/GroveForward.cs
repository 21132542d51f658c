using System.Numerics.Tensors;
using CommunityToolkit.HighPerformance;
using GroveMoE.Cpu.Kernels;
using GroveMoE.Cpu.Quantization;

namespace GroveMoE.Cpu.Model;

/// <summary>
/// The GroveMoE forward pass with its KV cache and every buffer it needs, allocated once. Evaluates a batch of
/// tokens at the next positions (a whole prompt, or one token while decoding) through the same code; the batched
/// scheduler evaluates rows of several sequences at once, each in its own KV cache (<see cref="EvaluateBatch"/>).
/// Not thread-safe: one per conversation or scheduler; many may share one <see cref="GroveModel"/>.
/// </summary>
public sealed class GroveForward : IDisposable
{
    private readonly GroveModel _model;
    private readonly GroveConfig _c;
    private readonly GroveWeights _w;
    private readonly WorkerPool _pool;
    private readonly int _batch;
    private readonly KvCache _cache;
    private readonly SequenceBatch _single;
    private readonly Rope _rope;

    private readonly float[] _x;
    private readonly BatchInput _normed;
    private readonly float[] _q, _k, _v;
    private readonly BatchInput _attention;
    private readonly float[] _projected;
    private readonly float[] _routerLogits;
    private readonly float[] _cos, _sin;
    private readonly int[] _identity;
    private readonly int[] _selected;
    private readonly float[] _selectedWeights;
    private readonly int[] _groups;
    private readonly float[] _groupWeights;
    private readonly ExpertFamily _routed, _adjugate;
    private readonly MatMulWork _matmul;
    private readonly AttentionWork _attentionWork;
    private float[] _logits = [];

    /// <summary>A forward pass over <paramref name="model"/> (not owned) with its own KV cache of <paramref name="contextLength"/> positions, <paramref name="threads"/> worker threads and prompt chunks of <paramref name="batchSize"/> rows.</summary>
    public GroveForward(GroveModel model, int contextLength, int threads, int batchSize = 64, KvCacheType kvCacheType = KvCacheType.F32)
        : this(model, contextLength, threads, batchSize, kvCacheType, maxSequences: 1)
    {
    }

    /// <param name="maxSequences">Sequences one <see cref="EvaluateBatch"/> may hold: room for a prompt chunk of
    /// <paramref name="batchSize"/> rows and one decode row of each other sequence.</param>
    internal GroveForward(GroveModel model, int contextLength, int threads, int batchSize, KvCacheType kvCacheType, int maxSequences)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(contextLength, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(threads, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(batchSize, 1);
        _model = model;
        _c = model.Config;
        _w = model.Weights;
        _cache = new KvCache(_c, contextLength, kvCacheType);
        _pool = new WorkerPool(threads);
        _batch = batchSize;
        _rope = new Rope(_c.HeadDim, _c.RopeBase);
        int rows = batchSize + maxSequences - 1;
        _single = new SequenceBatch(batchSize, 1);
        _single.Caches[0] = _cache;
        MaxRows = rows;

        int maxColumns = Math.Max(Math.Max(_c.Hidden, _c.QueryDim), Math.Max(_c.ExpertWidth, _c.AdjugateWidth));
        _x = new float[rows * _c.Hidden];
        _normed = new BatchInput(rows, _c.Hidden);
        _q = new float[rows * _c.QueryDim];
        _k = new float[rows * _c.KvDim];
        _v = new float[rows * _c.KvDim];
        _attention = new BatchInput(rows, _c.QueryDim);
        _projected = new float[rows * _c.Hidden];
        _routerLogits = new float[rows * _c.Experts];
        _cos = new float[rows * _rope.Half];
        _sin = new float[rows * _rope.Half];
        _identity = Enumerable.Range(0, rows * _c.ExpertsUsed).ToArray();
        _selected = new int[_c.ExpertsUsed];
        _selectedWeights = new float[_c.ExpertsUsed];
        _groups = new int[_c.ExpertsUsed];
        _groupWeights = new float[_c.ExpertsUsed];
        _routed = new ExpertFamily(_c.Experts, rows * _c.ExpertsUsed, _c.ExpertWidth, _c.Hidden);
        _adjugate = new ExpertFamily(_c.Groups, rows * _c.ExpertsUsed, _c.AdjugateWidth, _c.Hidden);
        _matmul = new MatMulWork(2 * (_c.Experts + _c.Groups) + 3, maxColumns, _pool.ThreadCount);
        _attentionWork = new AttentionWork(_c, rows, _pool.ThreadCount);
    }

    /// <summary>The weights it runs (not owned).</summary>
    public GroveModel Model => _model;
    /// <summary>The model's hyperparameters.</summary>
    public GroveConfig Config => _c;
    /// <summary>Positions its KV cache holds.</summary>
    public int ContextLength => _cache.Capacity;
    internal KvCache Cache => _cache;
    internal KvCacheType KvCacheType => _cache.Type;

    /// <summary>Rows one <see cref="EvaluateBatch"/> may hold.</summary>
    internal int MaxRows { get; }

    /// <summary>Prompt rows evaluated per forward call.</summary>
    public int BatchSize => _batch;
    /// <summary>Worker threads, the caller's included.</summary>
    public int ThreadCount => _pool.ThreadCount;

    /// <summary>Positions already in the KV cache; the next token evaluated goes at this position.</summary>
    public int Position { get; private set; }

    /// <summary>Running counts of what it evaluated.</summary>
    public ForwardStats Stats { get; } = new();

    /// <summary>Runs the layers it owns instead of this CPU path (a GPU backend); null runs every layer here. It belongs
    /// to whoever created it: disposing the forward pass leaves it alone.</summary>
    public ILayerOffload? Offload { get; init; }

    /// <summary>Wall time per step when set (benchmarks); null times nothing.</summary>
    internal PhaseTimes? Phases { get; set; }

    /// <summary>Forgets positions from <paramref name="position"/> on, keeping the cache before it.</summary>
    public void Rewind(int position) => Position = Math.Clamp(position, 0, Position);

    /// <summary>
    /// Evaluates <paramref name="tokens"/> at the next positions. <paramref name="logits"/> receives the logits of
    /// every token (n_tokens × vocab) when <paramref name="allPositions"/>, else those of the last token only.
    /// </summary>
    public void Evaluate(ReadOnlySpan<int> tokens, Span<float> logits, bool allPositions = false)
    {
        if (tokens.IsEmpty) throw new ArgumentException("no tokens to evaluate", nameof(tokens));
        if (Position + tokens.Length > _cache.Capacity)
            throw new ContextFullException(_cache.Capacity, Position + tokens.Length);
        foreach (int token in tokens)
        {
            if ((uint)token >= (uint)_c.Vocab)
                throw new ArgumentOutOfRangeException(nameof(tokens), $"token id {token} is outside the vocabulary (0..{_c.Vocab - 1})");
        }
        int expected = (allPositions ? tokens.Length : 1) * _c.Vocab;
        if (logits.Length < expected) throw new ArgumentException($"logits needs {expected} floats", nameof(logits));

        for (int start = 0; start < tokens.Length; start += _batch)
        {
            int n = Math.Min(_batch, tokens.Length - start);
            bool last = start + n == tokens.Length;
            _single.Clear();
            for (int t = 0; t < n; t++) _single.Add(tokens[start + t], Position + t, 0, allPositions || (last && t == n - 1));
            EvaluateRows(_single);
            Position += n;
            if (allPositions) OutputLogits(_single, logits.Slice(start * _c.Vocab, n * _c.Vocab));
            else if (last) OutputLogits(_single, logits[.._c.Vocab]);
        }
    }

    /// <summary>
    /// Evaluates the rows of several sequences in one pass (each row's keys and values go to its sequence's cache at its
    /// position) and writes the logits of <see cref="SequenceBatch.LogitRows"/>, in that order, to <paramref name="logits"/>.
    /// A row's result does not depend on the other rows in the batch: the matmuls' four-row kernels give each row exactly
    /// the one-row result, so the decode rows of different sequences share one unpacking of the weights.
    /// </summary>
    internal void EvaluateBatch(SequenceBatch batch, Span<float> logits)
    {
        if (batch.Count == 0) return;
        if (batch.Count > MaxRows) throw new ArgumentException($"the batch has {batch.Count} rows; at most {MaxRows} fit", nameof(batch));
        if (Offload is not null && batch.Sequences[batch.Count - 1] != batch.Sequences[0])
            throw new InvalidOperationException("layer offload runs one sequence at a time");
        EvaluateRows(batch);
        if (batch.LogitCount > 0) OutputLogits(batch, logits[..(batch.LogitCount * _c.Vocab)]);
    }

    private void EvaluateRows(SequenceBatch batch)
    {
        int n = batch.Count;
        Phases?.Start();
        var x = Residual;
        for (int t = 0; t < n; t++)
            RowCodec.Dequantize(_w.TokenEmbedding.Type, _w.TokenEmbedding.RowBytesSpan(batch.Tokens[t]), x.GetRowSpan(t));
        Span2D<float> cos = Rows(_cos, n, _rope.Half), sin = Rows(_sin, n, _rope.Half);
        for (int t = 0; t < n; t++) _rope.Angles(batch.Positions[t], cos.GetRowSpan(t), sin.GetRowSpan(t));
        Phases?.Mark(ForwardPhase.Embed);

        for (int l = 0; l < _c.Layers; l++)
        {
            var layer = _w.Layers[l];
            if (Offload?.OwnsLayer(l) == true) RunOffloaded(l, layer, batch);
            else
            {
                Attention(l, layer, batch);
                MixtureOfExperts(layer, batch);
            }
        }
        Stats.TokensEvaluated += n;
    }

    private void RunOffloaded(int l, LayerWeights layer, SequenceBatch batch)
    {
        int n = batch.Count;
        Stats.AdjugateRuns += Offload!.RunLayer(l, _x.AsSpan(0, n * _c.Hidden), n, batch.Positions[0]);
        if (Offload.OwnsExperts(l)) Stats.LayerTokens += n;
        else MixtureOfExperts(layer, batch);
    }

    private void Attention(int l, LayerWeights layer, SequenceBatch batch)
    {
        int hd = _c.HeadDim, n = batch.Count;
        NormRows(layer.AttnNorm, n);
        _matmul.Add(layer.Q, _normed, _identity, 0, n, _q, 0, _c.QueryDim);
        _matmul.Add(layer.K, _normed, _identity, 0, n, _k, 0, _c.KvDim);
        _matmul.Add(layer.V, _normed, _identity, 0, n, _v, 0, _c.KvDim);
        _matmul.Run(_pool);
        Phases?.Mark(ForwardPhase.AttentionProjections);

        // Rows of heads: tokens × heads × head_dim seen as (tokens · heads) × head_dim.
        Span2D<float> queryHeads = Rows(_q, n * _c.Heads, hd), keyHeads = Rows(_k, n * _c.KvHeads, hd);
        Span2D<float> keys = Rows(_k, n, _c.KvDim), values = Rows(_v, n, _c.KvDim);
        Span2D<float> cos = Rows(_cos, n, _rope.Half), sin = Rows(_sin, n, _rope.Half);
        for (int t = 0; t < n; t++)
        {
            Span<float> rowCos = cos.GetRowSpan(t), rowSin = sin.GetRowSpan(t);
            for (int h = 0; h < _c.Heads; h++)
            {
                var head = queryHeads.GetRowSpan(t * _c.Heads + h);
                RmsNorm.Apply(head, layer.QNorm, _c.RmsEpsilon, head);
                Rope.Apply(head, rowCos, rowSin);
            }
            for (int h = 0; h < _c.KvHeads; h++)
            {
                var head = keyHeads.GetRowSpan(t * _c.KvHeads + h);
                RmsNorm.Apply(head, layer.KNorm, _c.RmsEpsilon, head);
                Rope.Apply(head, rowCos, rowSin);
            }
            batch.Caches[batch.Sequences[t]].Store(l, batch.Positions[t], keys.GetRowSpan(t), values.GetRowSpan(t));
        }
        Phases?.Mark(ForwardPhase.QkNormRopeStore);

        _attention.Reshape(n, _c.QueryDim);
        _attentionWork.Run(_pool, batch, l, _q, _attention);
        for (int t = 0; t < n; t++) _attention.SetRow(t);
        Phases?.Mark(ForwardPhase.Attention);

        _matmul.Add(layer.O, _attention, _identity, 0, n, _projected, 0, _c.Hidden);
        _matmul.Run(_pool);
        TensorPrimitives.Add(_x.AsSpan(0, n * _c.Hidden), _projected.AsSpan(0, n * _c.Hidden), _x.AsSpan(0, n * _c.Hidden));
        Phases?.Mark(ForwardPhase.OutputProjection);
    }

    private void MixtureOfExperts(LayerWeights layer, SequenceBatch batch)
    {
        int n = batch.Count;
        NormRows(layer.FfnNorm, n);
        _matmul.Add(layer.Router, _normed, _identity, 0, n, _routerLogits, 0, _c.Experts);
        _matmul.Run(_pool);

        _routed.Plan.Clear();
        _adjugate.Plan.Clear();
        var routerLogits = Rows(_routerLogits, n, _c.Experts);
        for (int t = 0; t < n; t++)
        {
            ExpertRouter.Select(routerLogits.GetRowSpan(t), _selected, _selectedWeights);
            for (int i = 0; i < _selected.Length; i++) _routed.Plan.Add(t, _selected[i], _selectedWeights[i]);
            int groups = ExpertRouter.Groups(_selected, _selectedWeights, _c.ExpertsPerGroup, _groups, _groupWeights);
            for (int i = 0; i < groups; i++) _adjugate.Plan.Add(t, _groups[i], _c.GroupScale * _groupWeights[i]);
            Stats.AdjugateRuns += groups;
        }
        Stats.LayerTokens += n;
        _routed.Plan.Build();
        _adjugate.Plan.Build();
        Phases?.Mark(ForwardPhase.Router);

        // Gate and up of every active expert in one dispatch, then down of every active expert in another.
        _routed.AddGateUp(_matmul, layer.Experts, _normed);
        _adjugate.AddGateUp(_matmul, layer.Adjugates, _normed);
        _matmul.Run(_pool);
        Phases?.Mark(ForwardPhase.ExpertGateUp);
        _routed.Activate(_pool);
        _adjugate.Activate(_pool);
        Phases?.Mark(ForwardPhase.ExpertActivate);
        _routed.AddDown(_matmul, layer.Experts, _identity);
        _adjugate.AddDown(_matmul, layer.Adjugates, _identity);
        _matmul.Run(_pool);
        Phases?.Mark(ForwardPhase.ExpertDown);

        _routed.AccumulateInto(_pool, _x);
        _adjugate.AccumulateInto(_pool, _x);
        Phases?.Mark(ForwardPhase.ExpertAccumulate);
    }

    private void OutputLogits(SequenceBatch batch, Span<float> destination)
    {
        int rows = batch.LogitCount;
        if (_logits.Length < rows * _c.Vocab) _logits = new float[rows * _c.Vocab];
        _normed.Reshape(rows, _c.Hidden);
        for (int r = 0; r < rows; r++)
        {
            int row = batch.LogitRows[r];
            RmsNorm.Apply(Residual.GetRowSpan(row), _w.OutputNorm, _c.RmsEpsilon, _normed.Row(r));
            _normed.SetRow(r);
        }
        _matmul.Add(_w.Output, _normed, _identity, 0, rows, _logits, 0, _c.Vocab);
        _matmul.Run(_pool);
        _logits.AsSpan(0, rows * _c.Vocab).CopyTo(destination);
        Phases?.Mark(ForwardPhase.Logits);
    }

    private void NormRows(float[] weight, int n)
    {
        _normed.Reshape(n, _c.Hidden);
        for (int t = 0; t < n; t++)
        {
            RmsNorm.Apply(Residual.GetRowSpan(t), weight, _c.RmsEpsilon, _normed.Row(t));
            _normed.SetRow(t);
        }
    }

    /// <summary>The residual stream, one row of hidden values per batch row.</summary>
    private Span2D<float> Residual => Rows(_x, MaxRows, _c.Hidden);

    /// <summary>The first <paramref name="rows"/> rows of <paramref name="width"/> values of a row-major buffer.</summary>
    private static Span2D<float> Rows(float[] buffer, int rows, int width) => new(buffer, rows, width);

    /// <summary>Stops its worker threads and frees its KV cache; the model and an offload it was given stay with the caller.</summary>
    public void Dispose()
    {
        _pool.Dispose();
    }
}
