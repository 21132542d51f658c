using System.Text.Json;
using GroveMoE.Cpu.Model;
using Microsoft.AspNetCore.Http;

namespace GroveMoE.Cli.Serving;

/// <summary>
/// Turns every failure into OpenAI's error object with a fitting status: the caller's mistakes are 4xx, a bug is a
/// 500 whose body says only that; no stack trace ever reaches a client.
/// </summary>
internal static class ErrorHandling
{
    public static async Task Middleware(HttpContext context, Func<Task> next)
    {
        try
        {
            await next();
        }
        catch (OperationCanceledException) when (context.RequestAborted.IsCancellationRequested)
        {
            // The client left; nobody is listening for an answer.
        }
        catch (Exception e)
        {
            var error = ToApiError(e);
            if (error.Status == 500) ServerLog.Error(context, e);
            if (context.Response.HasStarted)
            {
                context.Abort(); // mid-stream: a truncated stream is the only honest signal left
                return;
            }
            await Write(context, error);
        }
    }

    public static ApiErrorException ToApiError(Exception e) => e switch
    {
        ApiErrorException api => api,
        JsonException json => ApiErrorException.BadRequest(Describe(json)),
        BadHttpRequestException bad => new ApiErrorException(bad.StatusCode, bad.Message),
        GroveMoE.Cpu.Grammar.JsonSchemaException schema => ApiErrorException.BadRequest(
            $"the JSON schema cannot be used: {schema.Message}", "response_format", schema.Keyword is null ? null : "unsupported_schema_keyword"),
        ContextFullException full => ApiErrorException.BadRequest(full.Message, "messages", "context_length_exceeded"),
        OperationCanceledException => new ApiErrorException(503, "the request timed out or the server is stopping before its answer began; retry later",
            code: "timeout"),
        NotSupportedException or ArgumentException => ApiErrorException.BadRequest(e.Message),
        _ => new ApiErrorException(500, "internal server error"),
    };

    /// <summary>What a 503 (queue full, loading, stopping) asks the client to wait before retrying.</summary>
    public const string RetryAfterSeconds = "2";

    public static Task Write(HttpContext context, ApiErrorException error)
    {
        context.Response.Clear();
        context.Response.StatusCode = error.Status;
        if (error.Status == 401) context.Response.Headers.WWWAuthenticate = "Bearer";
        if (error.Status == 503) context.Response.Headers.RetryAfter = RetryAfterSeconds;
        return OpenAiJson.WriteAsync(context.Response, new ErrorBody(new ErrorDetail(error.Message, error.Type, error.Param, error.Code)));
    }

    /// <summary>Status codes the routing answers by itself (404, 405, 415) get the error object too.</summary>
    public static Task StatusCodePage(HttpContext context)
    {
        int status = context.Response.StatusCode;
        string message = status switch
        {
            404 => $"no such endpoint: {context.Request.Method} {context.Request.Path}",
            405 => $"{context.Request.Method} is not allowed on {context.Request.Path}",
            _ => $"request failed with status {status}",
        };
        return Write(context, new ApiErrorException(status, message));
    }

    private static string Describe(JsonException e)
    {
        // System.Text.Json names .NET types in its messages; clients should see the JSON path instead.
        if (e.Message.Contains("could not be mapped", StringComparison.Ordinal))
        {
            int open = e.Message.IndexOf('\''), close = open >= 0 ? e.Message.IndexOf('\'', open + 1) : -1;
            string name = close > open ? e.Message[(open + 1)..close] : e.Path ?? "?";
            return $"unrecognized request argument supplied: {name}";
        }
        return e.Path is { Length: > 1 } path && e.InnerException is null or InvalidOperationException or FormatException
            ? $"invalid value at {path}" + (e.BytePositionInLine is { } column ? $" (line {e.LineNumber + 1}, column {column + 1})" : "")
            : $"the request body is not valid JSON" + (e.LineNumber is { } line ? $" (line {line + 1}, column {e.BytePositionInLine + 1})" : "");
    }
}
