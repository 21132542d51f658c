using System.Diagnostics;
using Microsoft.AspNetCore.Http;

namespace GroveMoE.Cli.Serving;

/// <summary>What one request did, filled in as it runs; logged as one line and counted in the metrics when it ends.</summary>
internal sealed class RequestRecord
{
    private readonly Stopwatch _clock = Stopwatch.StartNew();
    private TimeSpan _lastPiece;

    public int PromptTokens { get; set; }
    public int CompletionTokens { get; set; }
    public int CachedTokens { get; set; }
    public string? Finish { get; set; }

    /// <summary>Seconds from arrival to the first generated text; null when none came.</summary>
    public double? TimeToFirstToken { get; private set; }

    public TimeSpan Elapsed => _clock.Elapsed;

    /// <summary>Records a generated piece of text and returns the gap since the previous one (null for the first).</summary>
    public double? Piece()
    {
        var now = _clock.Elapsed;
        double? gap = TimeToFirstToken is null ? null : (now - _lastPiece).TotalSeconds;
        TimeToFirstToken ??= now.TotalSeconds;
        _lastPiece = now;
        return gap;
    }

    public static RequestRecord Of(HttpContext context) =>
        context.Features.Get<RequestRecord>() ?? throw new InvalidOperationException("no request record");
}
