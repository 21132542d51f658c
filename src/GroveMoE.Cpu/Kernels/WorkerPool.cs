namespace GroveMoE.Cpu.Kernels;

/// <summary>Work that a <see cref="WorkerPool"/> splits by item ranges; one instance is reused across calls.</summary>
internal interface IParallelWork
{
    /// <summary>Processes items [start, end) on worker <paramref name="worker"/> (0 is the calling thread).</summary>
    void Execute(int start, int end, int worker);
}

/// <summary>
/// One set of persistent threads for the whole forward pass. A call hands the same work object to every
/// worker; they claim items one at a time from a shared counter, so uneven items still balance. Workers spin
/// briefly between calls (a decode step issues hundreds of small calls) and then sleep; a call takes the
/// lock to wake them only when one is actually asleep, so back-to-back calls cost a counter bump each.
/// </summary>
internal sealed class WorkerPool : IDisposable
{
    private const int SpinIterations = 20_000;
    private readonly Thread[] _threads;
    private readonly object _gate = new();
    private IParallelWork? _work;
    private int _itemCount;
    private int _next;
    private int _pending;
    private long _generation;
    private int _sleepers;
    private volatile bool _disposed;

    public WorkerPool(int threadCount)
    {
        ThreadCount = Math.Max(1, threadCount);
        _threads = new Thread[ThreadCount - 1];
        for (int i = 0; i < _threads.Length; i++)
        {
            int worker = i + 1;
            _threads[i] = new Thread(() => WorkerLoop(worker)) { IsBackground = true, Name = $"grove-worker-{worker}" };
            _threads[i].Start();
        }
    }

    public int ThreadCount { get; }

    /// <summary>Runs <paramref name="work"/> over items [0, itemCount) on all threads and returns when all are done.</summary>
    public void Run(IParallelWork work, int itemCount)
    {
        if (itemCount <= 0) return;
        if (_threads.Length == 0 || itemCount == 1)
        {
            work.Execute(0, itemCount, 0);
            return;
        }
        _work = work;
        _itemCount = itemCount;
        _next = 0;
        Volatile.Write(ref _pending, _threads.Length);
        // Both sides use full fences (this increment then the sleeper read; the worker's sleeper increment
        // then its generation read), so either this call sees the sleeper or the sleeper sees the new generation.
        Interlocked.Increment(ref _generation);
        if (Volatile.Read(ref _sleepers) != 0)
        {
            lock (_gate) Monitor.PulseAll(_gate);
        }
        Drain(0);
        var spin = new SpinWait();
        while (Volatile.Read(ref _pending) != 0) spin.SpinOnce(-1);
        _work = null;
    }

    private void Drain(int worker)
    {
        var work = _work!;
        int count = _itemCount;
        while (true)
        {
            int item = Interlocked.Increment(ref _next) - 1;
            if (item >= count) return;
            work.Execute(item, item + 1, worker);
        }
    }

    private void WorkerLoop(int worker)
    {
        long seen = 0;
        while (true)
        {
            long generation = Interlocked.Read(ref _generation);
            for (int i = 0; generation == seen && i < SpinIterations && !_disposed; i++)
            {
                Thread.SpinWait(20);
                generation = Interlocked.Read(ref _generation);
            }
            if (generation == seen)
            {
                lock (_gate)
                {
                    Interlocked.Increment(ref _sleepers);
                    while ((generation = Interlocked.Read(ref _generation)) == seen && !_disposed) Monitor.Wait(_gate);
                    Interlocked.Decrement(ref _sleepers);
                }
            }
            if (_disposed) return;
            seen = generation;
            Drain(worker);
            Interlocked.Decrement(ref _pending);
        }
    }

    public void Dispose()
    {
        _disposed = true;
        lock (_gate) Monitor.PulseAll(_gate);
        foreach (var t in _threads) t.Join();
    }
}
