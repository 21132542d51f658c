namespace GroveMoE.Cli.Serving;

/// <summary>
/// Bounds the requests inside the server (generating or waiting for a turn): one beyond
/// <c>parallel + max queue</c>, or any once the server is stopping, is refused with 503 and <c>Retry-After</c>.
/// </summary>
internal sealed class Admission(int parallel, int maxQueue)
{
    private int _inside;
    private volatile bool _closed;

    /// <summary>Requests admitted and not yet finished.</summary>
    public int Inside => Volatile.Read(ref _inside);

    /// <summary>Refuses every later request (shutdown).</summary>
    public void Close() => _closed = true;

    public Ticket Enter()
    {
        if (_closed) throw new ApiErrorException(503, "the server is shutting down", code: "server_shutting_down");
        if (Interlocked.Increment(ref _inside) > parallel + maxQueue)
        {
            Interlocked.Decrement(ref _inside);
            throw new ApiErrorException(503, $"the server is busy ({parallel} generating, {maxQueue} waiting); retry later", code: "server_busy");
        }
        return new Ticket(this);
    }

    /// <summary>An admitted request; disposing it frees its place.</summary>
    public sealed class Ticket(Admission admission) : IDisposable
    {
        private Admission? _admission = admission;

        public void Dispose()
        {
            if (Interlocked.Exchange(ref _admission, null) is { } a) Interlocked.Decrement(ref a._inside);
        }
    }
}
