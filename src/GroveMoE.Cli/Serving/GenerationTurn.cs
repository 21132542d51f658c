using System.Runtime.CompilerServices;
using Microsoft.AspNetCore.Http;

namespace GroveMoE.Cli.Serving;

/// <summary>
/// One admitted request's generation: its place in the <see cref="Admission"/> and a token that ends the generation
/// when the client leaves, the request times out or the shutdown grace runs out. An answer ended by the server
/// (not the client) still finishes properly: finish reason <c>length</c> and, when streamed, <c>[DONE]</c>.
/// </summary>
internal sealed class GenerationTurn : IDisposable
{
    private readonly HttpContext _context;
    private readonly Admission.Ticket _ticket;
    private readonly CancellationTokenSource _cancel;
    private readonly ServerMetrics _metrics;

    public GenerationTurn(HttpContext context, Admission admission, ServerMetrics metrics, TimeSpan timeout, CancellationToken shutdown)
    {
        _context = context;
        _metrics = metrics;
        _ticket = admission.Enter();
        _cancel = CancellationTokenSource.CreateLinkedTokenSource(context.RequestAborted, shutdown);
        _cancel.CancelAfter(timeout);
        Record = RequestRecord.Of(context);
    }

    public CancellationToken Token => _cancel.Token;
    public RequestRecord Record { get; }

    /// <summary>True when the server, not the client, ended the generation.</summary>
    public bool CutOff => _cancel.IsCancellationRequested && !_context.RequestAborted.IsCancellationRequested;

    /// <summary>Counts one generated piece of text (time to first token, latency between pieces).</summary>
    public void Piece() => _metrics.Piece(Record.Piece());

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
