using System.Text.Json;
using Microsoft.AspNetCore.Http;

namespace GroveMoE.Cli.Serving;

/// <summary>A <c>text/event-stream</c> response of JSON events, each flushed at once, ended by <c>data: [DONE]</c>.</summary>
internal sealed class ServerSentEvents(HttpResponse response)
{
    private static readonly byte[] DataPrefix = "data: "u8.ToArray(), EventEnd = "\n\n"u8.ToArray(), Done = "data: [DONE]\n\n"u8.ToArray();

    public Task StartAsync()
    {
        response.StatusCode = 200;
        response.ContentType = "text/event-stream; charset=utf-8";
        response.Headers.CacheControl = "no-cache";
        response.Headers["X-Accel-Buffering"] = "no";
        return response.StartAsync(response.HttpContext.RequestAborted);
    }

    public async Task SendAsync<T>(T data)
    {
        var cancel = response.HttpContext.RequestAborted;
        await response.Body.WriteAsync(DataPrefix, cancel);
        await JsonSerializer.SerializeAsync(response.Body, data, OpenAiJson.Info<T>(), cancel);
        await response.Body.WriteAsync(EventEnd, cancel);
        await response.Body.FlushAsync(cancel);
    }

    public async Task DoneAsync()
    {
        await response.Body.WriteAsync(Done, response.HttpContext.RequestAborted);
        await response.Body.FlushAsync(response.HttpContext.RequestAborted);
    }
}
