using GroveMoE.Cpu.Kernels;

namespace GroveMoE.Cpu.Tests.Kernels;

public sealed class WorkerPoolTests
{
    private sealed class CountingWork(int items) : IParallelWork
    {
        public readonly int[] Hits = new int[items];
        public readonly int[] Workers = new int[8];

        public void Execute(int start, int end, int worker)
        {
            for (int i = start; i < end; i++) Interlocked.Increment(ref Hits[i]);
            Interlocked.Increment(ref Workers[worker]);
        }
    }

    [Fact]
    public void EveryItemRunsOnceInBackToBackAndWokenCalls()
    {
        using var pool = new WorkerPool(3);
        var work = new CountingWork(257);
        const int calls = 3000;
        for (int call = 0; call < calls; call++)
        {
            // Some calls find the workers spinning, some (after the pause) asleep on the lock.
            if (call % 1000 == 999) Thread.Sleep(300);
            pool.Run(work, 257);
        }
        Assert.All(work.Hits, h => Assert.Equal(calls, h));
    }

    [Fact]
    public void RunDoesNotAllocate()
    {
        using var pool = new WorkerPool(2);
        var work = new CountingWork(64);
        pool.Run(work, 64);
        // A one-off allocation by the runtime (a lock inflating under contention from other tests) may land in
        // any one window; an allocation per call lands in every window.
        var windows = new List<long>();
        for (int window = 0; window < 5 && (windows.Count == 0 || windows[^1] != 0); window++)
        {
            long before = GC.GetAllocatedBytesForCurrentThread();
            for (int call = 0; call < 400; call++) pool.Run(work, 64);
            windows.Add(GC.GetAllocatedBytesForCurrentThread() - before);
        }
        Assert.True(windows[^1] == 0, $"bytes allocated per 400 calls, by window: {string.Join(", ", windows)}");
        Assert.All(work.Hits, h => Assert.Equal(1 + 400 * windows.Count, h));
    }
}
