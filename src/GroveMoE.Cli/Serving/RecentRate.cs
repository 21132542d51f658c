namespace GroveMoE.Cli.Serving;

/// <summary>Events per second over the last <see cref="WindowSeconds"/> whole seconds, for a gauge.</summary>
internal sealed class RecentRate(Func<long> nowSeconds)
{
    public const int WindowSeconds = 10;
    private readonly long[] _counts = new long[WindowSeconds];
    private readonly long[] _seconds = new long[WindowSeconds];
    private readonly Lock _lock = new();

    public RecentRate() : this(() => Environment.TickCount64 / 1000) { }

    public void Add(long count)
    {
        long now = nowSeconds();
        int slot = (int)(now % WindowSeconds);
        lock (_lock)
        {
            if (_seconds[slot] != now) (_seconds[slot], _counts[slot]) = (now, 0);
            _counts[slot] += count;
        }
    }

    public double PerSecond()
    {
        long now = nowSeconds(), total = 0;
        lock (_lock)
        {
            for (int i = 0; i < WindowSeconds; i++)
                if (now - _seconds[i] < WindowSeconds) total += _counts[i];
        }
        return (double)total / WindowSeconds;
    }
}
