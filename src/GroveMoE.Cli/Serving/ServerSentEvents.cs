using System.Buffers;
using System.Text.Json;
using CommunityToolkit.HighPerformance.Buffers;
using Microsoft.AspNetCore.Http;

namespace GroveMoE.Cli.Serving;

/// <summary>A <c>text/event-stream</c> response of JSON events, each flushed at once, ended by <c>data: [DONE]</c>.</summary>
internal sealed class ServerSentEvents : IDisposable
{
    private static readonly byte[] DataPrefix = "data: "u8.ToArray(), EventEnd = "\n\n"u8.ToArray(), Done = "data: [DONE]\n\n"u8.ToArray();

    private readonly HttpResponse _response;
    // One pooled buffer per stream, reused by every event, so an event is one write to the socket, not three.
    private readonly ArrayPoolBufferWriter<byte> _event = new();
    private readonly Utf8JsonWriter _json;

    public ServerSentEvents(HttpResponse response)
    {
        _response = response;
        _json = new Utf8JsonWriter(_event, new JsonWriterOptions { Encoder = OpenAiJson.Options.Encoder });
    }

    public Task StartAsync()
    {
        _response.StatusCode = 200;
        _response.ContentType = "text/event-stream; charset=utf-8";
        _response.Headers.CacheControl = "no-cache";
        _response.Headers["X-Accel-Buffering"] = "no";
        return _response.StartAsync(_response.HttpContext.RequestAborted);
    }

    public async Task SendAsync<T>(T data)
    {
        _event.Clear();
        _event.Write(DataPrefix);
        _json.Reset();
        JsonSerializer.Serialize(_json, data, OpenAiJson.Info<T>());
        _event.Write(EventEnd);
        await WriteAsync(_event.WrittenMemory);
    }

    public Task DoneAsync() => WriteAsync(Done);

    private async Task WriteAsync(ReadOnlyMemory<byte> bytes)
    {
        var cancel = _response.HttpContext.RequestAborted;
        await _response.Body.WriteAsync(bytes, cancel);
        await _response.Body.FlushAsync(cancel);
    }

    public void Dispose()
    {
        _json.Dispose();
        _event.Dispose();
    }
}
