using System.Runtime.CompilerServices;
using Microsoft.AspNetCore.Http;

namespace GroveMoE.Cli.Serving;

/// <summary>
/// One admitted request's generation: its place in the <see cref="Admission"/>, the <see cref="Deadline"/> at which the
/// library ends its answer (finish reason <c>length</c>, with the usage), and a token that ends the generation when the
/// client leaves, the shutdown grace runs out, or the request is still waiting or in its prompt at the deadline. An
/// answer ended by the server (not the client) still finishes properly: finish reason <c>length</c> and, when
/// streamed, <c>[DONE]</c>.
/// </summary>
internal sealed class GenerationTurn : IDisposable
{
    private readonly HttpContext _context;
    private readonly Admission.Ticket _ticket;
    private readonly CancellationTokenSource _cancel;
    private readonly ServerMetrics _metrics;

    /// <summary>How long after the deadline a generating answer the library has not ended is cut off anyway.</summary>
    private static readonly TimeSpan Backstop = TimeSpan.FromSeconds(5);

    public GenerationTurn(HttpContext context, Admission admission, ServerMetrics metrics, TimeSpan timeout, CancellationToken shutdown)
    {
        _context = context;
        _metrics = metrics;
        _ticket = admission.Enter();
        _cancel = CancellationTokenSource.CreateLinkedTokenSource(context.RequestAborted, shutdown);
        Record = RequestRecord.Of(context);
        Deadline = DateTimeOffset.UtcNow + timeout - Record.Elapsed;
        CancelAt(Deadline);
    }

    public CancellationToken Token => _cancel.Token;

    /// <summary>When the answer must end: the request's arrival plus the timeout.</summary>
    public DateTimeOffset Deadline { get; }
    public RequestRecord Record { get; }

    /// <summary>True when the server, not the client, ended the generation.</summary>
    public bool CutOff => _cancel.IsCancellationRequested && !_context.RequestAborted.IsCancellationRequested;

    /// <summary>Counts one generated piece of text (time to first token, latency between pieces).</summary>
    public void Piece()
    {
        double? gap = Record.Piece();
        // Generating: the library ends the answer at the deadline, with its usage; the token only backs it up.
        if (gap is null && !_cancel.IsCancellationRequested) CancelAt(Deadline + Backstop);
        _metrics.Piece(gap);
    }

    private void CancelAt(DateTimeOffset time)
    {
        var left = time - DateTimeOffset.UtcNow;
        _cancel.CancelAfter(left > TimeSpan.Zero ? left : TimeSpan.Zero);
    }

    /// <summary>
    /// <paramref name="source"/>, ending quietly when the server cuts it off after it has produced something; cut off
    /// before that (still waiting, or in the prompt) it throws, and the client gets 503 with <c>Retry-After</c>.
    /// </summary>
    public async IAsyncEnumerable<T> Follow<T>(IAsyncEnumerable<T> source, [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        await using var items = source.GetAsyncEnumerator(cancellationToken);
        bool produced = false;
        while (true)
        {
            bool more;
            try
            {
                more = await items.MoveNextAsync();
            }
            catch (OperationCanceledException) when (produced && CutOff)
            {
                more = false;
            }
            if (!more) yield break;
            produced = true;
            yield return items.Current;
        }
    }

    public void Dispose()
    {
        _cancel.Dispose();
        _ticket.Dispose();
    }
}

/// <summary>Starts a <see cref="GenerationTurn"/> under the server's limits.</summary>
internal sealed class Turns(Admission admission, ServerMetrics metrics, TimeSpan timeout, CancellationToken shutdown)
{
    public GenerationTurn Begin(HttpContext context) => new(context, admission, metrics, timeout, shutdown);
}
