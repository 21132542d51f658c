namespace GroveMoE.Cpu.Generation;

/// <summary>
/// A fixed number of sessions over one model, shared by concurrent requests: at most <see cref="Size"/> generate
/// at once, batched by one <see cref="BatchScheduler"/> (one worker pool, each weight read once per step for all of
/// them), and the rest wait their turn in arrival order. A request gets the free session whose cache holds the
/// longest start of its prompt, so a conversation that comes back with its history extended continues where its
/// cache left off. Sessions are opened on first need.
/// </summary>
public sealed class SessionPool : IDisposable
{
    private readonly LanguageModel _model;
    private readonly SessionOptions _options;
    private readonly BatchScheduler? _scheduler;
    private readonly List<InferenceSession> _free = [];
    private readonly List<InferenceSession> _all = [];
    private readonly LinkedList<TaskCompletionSource<InferenceSession>> _waiting = new();
    private readonly Lock _lock = new();
    private bool _disposed;

    /// <param name="size">Sessions that may generate at once.</param>
    /// <param name="options">Each session's resources; default: the model's <see cref="LoadOptions.Session"/>.</param>
    public SessionPool(LanguageModel model, int size, SessionOptions? options = null)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(size, 1);
        _model = model;
        Size = size;
        _options = options ?? model.Options.Session;
        // Layer offload keeps one sequence per forward pass: such sessions each get a scheduler of their own.
        if (_options.LayerOffload is null) _scheduler = new BatchScheduler(model.Model, model.Tokenizer, size, _options);
    }

    /// <summary>The model its sessions run (not owned).</summary>
    public LanguageModel Model => _model;
    /// <summary>Sessions in the pool: how many requests generate at once.</summary>
    public int Size { get; }

    /// <summary>Requests waiting for a session now.</summary>
    public int Waiting { get { lock (_lock) return _waiting.Count; } }

    /// <summary>Tokens held in the sessions' caches now (a snapshot while sessions generate).</summary>
    public long CachedTokens
    {
        get
        {
            lock (_lock) return _all.Sum(session => (long)session.Tokens.Count);
        }
    }

    /// <summary>Tokens the sessions have generated since the pool was created (read it twice for a rate).</summary>
    public long GeneratedTokens
    {
        get
        {
            if (_scheduler is not null) return _scheduler.GeneratedTokens;
            lock (_lock) return _all.Sum(session => session.Scheduler.GeneratedTokens);
        }
    }

    /// <summary>
    /// Waits, behind the requests that came earlier, for a session to generate <paramref name="prompt"/>. Dispose the
    /// lease to hand the session back.
    /// </summary>
    public async ValueTask<SessionLease> RentAsync(IReadOnlyList<int> prompt, CancellationToken cancellationToken = default)
    {
        TaskCompletionSource<InferenceSession> turn;
        LinkedListNode<TaskCompletionSource<InferenceSession>> node;
        lock (_lock)
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            cancellationToken.ThrowIfCancellationRequested();
            if (_waiting.Count == 0 && TakeFree(prompt) is { } free) return new SessionLease(this, free);
            turn = new TaskCompletionSource<InferenceSession>(TaskCreationOptions.RunContinuationsAsynchronously);
            node = _waiting.AddLast(turn);
        }
        await using var registration = cancellationToken.Register(() =>
        {
            lock (_lock)
            {
                if (node.List is null) return; // already handed a session
                _waiting.Remove(node);
            }
            turn.TrySetCanceled(cancellationToken);
        });
        return new SessionLease(this, await turn.Task.ConfigureAwait(false));
    }

    /// <summary>The free session sharing the longest prefix with the prompt, or a new one while there is room.</summary>
    private InferenceSession? TakeFree(IReadOnlyList<int> prompt)
    {
        int best = -1, bestShared = -1;
        for (int i = 0; i < _free.Count; i++)
        {
            int shared = SharedPrefix(_free[i].Tokens, prompt);
            if (shared > bestShared) (best, bestShared) = (i, shared);
        }
        if (best >= 0 && (bestShared > 0 || _all.Count == Size))
        {
            var session = _free[best];
            _free.RemoveAt(best);
            return session;
        }
        if (_all.Count < Size)
        {
            var opened = _scheduler?.OpenSession() ?? _model.OpenSession(_options);
            _all.Add(opened);
            return opened;
        }
        return null;
    }

    private static int SharedPrefix(IReadOnlyList<int> a, IReadOnlyList<int> b)
    {
        int n = 0, end = Math.Min(a.Count, b.Count);
        while (n < end && a[n] == b[n]) n++;
        return n;
    }

    internal void Return(InferenceSession session)
    {
        lock (_lock)
        {
            if (_disposed) { session.Dispose(); return; }
            if (_waiting.First is { } first)
            {
                _waiting.RemoveFirst();
                first.Value.TrySetResult(session);
                return;
            }
            _free.Add(session);
        }
    }

    /// <summary>Closes the sessions and fails the waiting requests; generations still running fail.</summary>
    public void Dispose()
    {
        lock (_lock)
        {
            if (_disposed) return;
            _disposed = true;
            foreach (var session in _free) session.Dispose();
            _free.Clear();
            foreach (var waiter in _waiting) waiter.TrySetException(new ObjectDisposedException(nameof(SessionPool)));
            _waiting.Clear();
        }
        _scheduler?.Dispose();
    }
}

/// <summary>A session lent by a <see cref="SessionPool"/>; disposing it hands the session back.</summary>
public sealed class SessionLease : IDisposable
{
    private SessionPool? _pool;

    internal SessionLease(SessionPool pool, InferenceSession session)
    {
        _pool = pool;
        Session = session;
    }

    /// <summary>The rented session; use it only until the lease is disposed.</summary>
    public InferenceSession Session { get; }

    /// <summary>Returns the session to the pool (once; later calls do nothing).</summary>
    public void Dispose() => Interlocked.Exchange(ref _pool, null)?.Return(Session);
}
