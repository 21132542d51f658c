using GroveMoE.Cpu.Model;
using GroveMoE.Cpu.Tokenization;

namespace GroveMoE.Cpu.Generation;

/// <summary>
/// Continuous batching: one forward pass and one worker pool shared by up to <see cref="MaxSequences"/> sessions.
/// Each step advances every generating session by one token and evaluates one chunk of at most
/// <see cref="SessionOptions.BatchSize"/> tokens of the oldest waiting prompt, all in one pass, so every weight is
/// read once per step for all of them; sessions join between steps and leave when they finish. Each session keeps
/// its own KV cache and positions, and its text is the same as it would be alone: the matmuls take the rows of
/// different sessions through one unpacking of each weight block, and their four-row kernels round each row exactly as
/// the one-row kernel does, so no result depends on the others.
/// </summary>
/// <remarks>Open sessions with <see cref="OpenSession"/>; each is for one conversation at a time, like any session.</remarks>
public sealed class BatchScheduler : IDisposable
{
    private readonly GroveModel _model;
    private readonly GroveTokenizer _tokenizer;
    private readonly SessionOptions _options;
    private readonly GroveForward _forward;
    private readonly ILayerOffload? _offload;
    private readonly SequenceBatch _batch;
    private readonly float[] _logits;
    private readonly bool[] _slotTaken;
    private readonly List<GenerationJob> _submitted = [];
    private readonly List<GenerationJob> _active = [];
    private readonly List<GenerationJob> _stepJobs = [];
    private readonly object _lock = new(); // Monitor: the scheduler thread waits on it when idle
    private readonly Thread _thread;
    private bool _disposed;
    private long _generated;

    /// <param name="maxSequences">Sessions that can be open at once, each with a KV cache of <see cref="SessionOptions.ContextLength"/>.</param>
    /// <param name="options">Context length, threads (for the one worker pool), prompt chunk size, KV cache type.</param>
    public BatchScheduler(GroveModel model, GroveTokenizer tokenizer, int maxSequences, SessionOptions? options = null)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(maxSequences, 1);
        options ??= new SessionOptions();
        _model = model;
        _tokenizer = tokenizer;
        _options = options;
        MaxSequences = maxSequences;
        if (maxSequences > 1 && options.LayerOffload is not null)
            throw new NotSupportedException("layer offload runs one sequence at a time; batch sessions on the CPU or use one per scheduler");
        _offload = options.LayerOffload?.Invoke(model, options);
        _forward = new GroveForward(model, options.ContextLength, options.Threads, options.BatchSize, options.KvCacheType, maxSequences)
        {
            Offload = _offload,
        };
        _batch = new SequenceBatch(_forward.MaxRows, maxSequences);
        _batch.Caches[0] = _forward.Cache;
        _logits = new float[(long)maxSequences * model.Config.Vocab];
        _slotTaken = new bool[maxSequences];
        _thread = new Thread(Run) { IsBackground = true, Name = "grove-scheduler" };
        _thread.Start();
    }

    /// <summary>Sessions that can be open on this scheduler at once.</summary>
    public int MaxSequences { get; }
    /// <summary>Positions of each session's KV cache.</summary>
    public int ContextLength => _forward.ContextLength;
    /// <summary>Worker threads of the forward pass, the caller's included.</summary>
    public int Threads => _forward.ThreadCount;
    internal GroveModel Model => _model;
    internal GroveTokenizer Tokenizer => _tokenizer;

    /// <summary>Tokens generated since the scheduler started, all sessions together (read it twice for a rate).</summary>
    public long GeneratedTokens => Volatile.Read(ref _generated);

    /// <summary>Sessions generating now (prompt or tokens).</summary>
    public int Active { get { lock (_lock) return _active.Count + _submitted.Count; } }

    /// <summary>Opens a session with a KV cache slot of its own; throws when all <see cref="MaxSequences"/> are open.</summary>
    public InferenceSession OpenSession() => new(this, AcquireSlot());

    private int AcquireSlot()
    {
        lock (_lock)
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            int slot = Array.IndexOf(_slotTaken, false);
            if (slot < 0) throw new InvalidOperationException($"all {MaxSequences} sessions of this scheduler are open");
            _batch.Caches[slot] ??= new KvCache(_model.Config, _options.ContextLength, _options.KvCacheType);
            _slotTaken[slot] = true;
            return slot;
        }
    }

    internal void ReleaseSlot(int slot)
    {
        lock (_lock) _slotTaken[slot] = false;
    }

    internal void Submit(GenerationJob job)
    {
        lock (_lock)
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            _submitted.Add(job);
            Monitor.Pulse(_lock);
        }
    }

    private void Run()
    {
        while (true)
        {
            lock (_lock)
            {
                while (!_disposed && _submitted.Count == 0 && _active.Count == 0) Monitor.Wait(_lock);
                if (_disposed) break;
                _active.AddRange(_submitted);
                _submitted.Clear();
            }
            try
            {
                Step();
            }
            catch (Exception e)
            {
                // A bug, not a request's mistake (prompts are checked before they are submitted): fail this step's jobs.
                foreach (var job in _stepJobs) Retire(job, e);
            }
        }
        foreach (var job in _active) job.Fail(new ObjectDisposedException(nameof(BatchScheduler)));
        lock (_lock) foreach (var job in _submitted) job.Fail(new ObjectDisposedException(nameof(BatchScheduler)));
    }

    /// <summary>One forward pass: a row for each generating session, then a chunk of the oldest prompt.</summary>
    private void Step()
    {
        for (int i = _active.Count - 1; i >= 0; i--)
            if (_active[i].Stopping) Finish(_active[i], FinishReason.Cancelled);

        _batch.Clear();
        _stepJobs.Clear();
        GenerationJob? prompt = null;
        foreach (var job in _active)
        {
            if (job.InPrompt) { prompt ??= job; continue; }
            _batch.Add(job.Next, job.Tokens.Count, job.Slot, logits: true);
            _stepJobs.Add(job);
        }
        int chunk = 0;
        if (prompt is not null)
        {
            chunk = Math.Min(_options.BatchSize, prompt.Rest.Length - prompt.PromptDone);
            int at = prompt.Tokens.Count;
            for (int t = 0; t < chunk; t++)
                _batch.Add(prompt.Rest[prompt.PromptDone + t], at + t, prompt.Slot, logits: prompt.PromptDone + t == prompt.Rest.Length - 1);
            _stepJobs.Add(prompt);
        }
        if (_batch.Count == 0) return;

        long adjugates = _forward.Stats.AdjugateRuns, layerTokens = _forward.Stats.LayerTokens;
        _forward.EvaluateBatch(_batch, _logits);
        long stepAdjugates = _forward.Stats.AdjugateRuns - adjugates, stepLayerTokens = _forward.Stats.LayerTokens - layerTokens;

        int vocab = _model.Config.Vocab, logitRow = 0;
        foreach (var job in _stepJobs)
        {
            int rows = job == prompt ? chunk : 1;
            job.Count(stepAdjugates * rows / _batch.Count, stepLayerTokens * rows / _batch.Count);
            if (job == prompt)
            {
                job.Tokens.AddRange(job.Rest.AsSpan(job.PromptDone, chunk));
                job.PromptDone += chunk;
                if (job.InPrompt) continue;
                job.PromptFinished();
            }
            else job.Tokens.Add(job.Next);
            var logits = _logits.AsSpan(logitRow++ * vocab, vocab);
            int generated = job.Generated;
            var finish = job.Advance(logits);
            Volatile.Write(ref _generated, _generated + job.Generated - generated);
            if (finish is not null) Finish(job, finish.Value);
        }
    }

    private void Finish(GenerationJob job, FinishReason finish)
    {
        _active.Remove(job);
        job.Finish(finish, _model);
    }

    private void Retire(GenerationJob job, Exception error)
    {
        _active.Remove(job);
        job.Tokens.Clear(); // the cache may hold half a step
        job.Fail(error);
    }

    /// <summary>Stops the scheduler thread; generations still running fail with <see cref="ObjectDisposedException"/>.</summary>
    public void Dispose()
    {
        lock (_lock)
        {
            if (_disposed) return;
            _disposed = true;
            Monitor.Pulse(_lock);
        }
        _thread.Join();
        _forward.Dispose();
        _offload?.Dispose();
    }
}
