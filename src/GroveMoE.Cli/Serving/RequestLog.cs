using System.Globalization;
using Microsoft.AspNetCore.Http;

namespace GroveMoE.Cli.Serving;

/// <summary>
/// Gives each request a <see cref="RequestRecord"/>, and when it ends counts it in the metrics and logs one logfmt
/// line: method, path, status, seconds, time to first token, token counts, finish reason. Never the prompt or answer.
/// </summary>
internal static class RequestLog
{
    public static async Task Middleware(HttpContext context, Func<Task> next, ServerMetrics metrics, Action<string>? log)
    {
        var record = new RequestRecord();
        context.Features.Set(record);
        try
        {
            await next();
        }
        finally
        {
            string status = context.RequestAborted.IsCancellationRequested ? "client_left" : context.Response.StatusCode.ToString(CultureInfo.InvariantCulture);
            metrics.Finished(context, record, status);
            log?.Invoke(Line(context, record, status));
        }
    }

    public static string Line(HttpContext context, RequestRecord r, string status)
    {
        var line = FormattableString.Invariant($"method={context.Request.Method} path={context.Request.Path} status={status} seconds={r.Elapsed.TotalSeconds:F3}");
        if (r.TimeToFirstToken is { } ttft) line += FormattableString.Invariant($" ttft={ttft:F3}");
        if (r.Finish is { } finish)
            line += FormattableString.Invariant($" prompt_tokens={r.PromptTokens} cached_tokens={r.CachedTokens} completion_tokens={r.CompletionTokens} finish={finish}");
        return line;
    }
}
