using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Text;
using System.Text.Json;
using GroveMoE.Cli.Serving;

namespace GroveMoE.Cpu.Tests.Serving;

/// <summary>grove serve's limits, health, metrics, logging, CORS and shutdown, over raw HTTP on a free loopback port.</summary>
public sealed class ServeOperationsTests(TinyLanguageModelFixture tiny) : IClassFixture<TinyLanguageModelFixture>
{
    private const string Key = "ops-key";

    private Task<OpenAiServer> Start(Func<ServeOptions, ServeOptions>? change = null) =>
        OpenAiServer.StartAsync(tiny.Model, Options(change));

    private static ServeOptions Options(Func<ServeOptions, ServeOptions>? change)
    {
        var options = new ServeOptions { Port = 0, ApiKey = Key, Session = TinyLanguageModelFixture.Session };
        return change is null ? options : change(options);
    }

    private static HttpClient Http(OpenAiServer server, bool key = true)
    {
        var http = new HttpClient { BaseAddress = server.Address, Timeout = TimeSpan.FromSeconds(60) };
        if (key) http.DefaultRequestHeaders.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue("Bearer", Key);
        return http;
    }

    private static StringContent Json(object body) => new(JsonSerializer.Serialize(body), Encoding.UTF8, "application/json");

    private static object Chat(string text, int maxTokens, bool stream = false) =>
        new { messages = new[] { new { role = "user", content = text } }, max_tokens = maxTokens, temperature = 0, stream };

    private static async Task<JsonElement> Error(HttpResponseMessage response)
    {
        using var json = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        return json.RootElement.GetProperty("error").Clone();
    }

    /// <summary>Opens a long streaming answer and reads its first event, so it is surely generating.</summary>
    private static async Task<(HttpResponseMessage Response, StreamReader Reader)> OpenStream(HttpClient http, int maxTokens = 4000)
    {
        var request = new HttpRequestMessage(HttpMethod.Post, "v1/chat/completions") { Content = Json(Chat("talk", maxTokens, stream: true)) };
        var response = await http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var reader = new StreamReader(await response.Content.ReadAsStreamAsync());
        Assert.StartsWith("data: ", await reader.ReadLineAsync());
        return (response, reader);
    }

    /// <summary>The rest of a stream's events; asserts it ends with a finish reason, then [DONE].</summary>
    private static async Task<string> FinishOf(StreamReader reader)
    {
        var events = new List<string>();
        while (await reader.ReadLineAsync() is { } line) if (line.StartsWith("data: ", StringComparison.Ordinal)) events.Add(line[6..]);
        Assert.Equal("[DONE]", events[^1]);
        var finishes = events[..^1].Select(e => JsonDocument.Parse(e).RootElement.GetProperty("choices"))
            .Where(c => c.GetArrayLength() > 0 && c[0].TryGetProperty("finish_reason", out var f) && f.ValueKind == JsonValueKind.String)
            .Select(c => c[0].GetProperty("finish_reason").GetString()!).ToList();
        return Assert.Single(finishes);
    }

    [Fact]
    public async Task ABodyOverTheLimitGets413()
    {
        await using var server = await Start(o => o with { MaxBodyBytes = 2048 });
        using var http = Http(server);
        var response = await http.PostAsync("v1/chat/completions", Json(Chat(new string('x', 8000), 4)));
        Assert.Equal(HttpStatusCode.RequestEntityTooLarge, response.StatusCode);
        Assert.Contains("too large", (await Error(response)).GetProperty("message").GetString(), StringComparison.OrdinalIgnoreCase);
        Assert.Equal(HttpStatusCode.OK, (await http.PostAsync("v1/chat/completions", Json(Chat("short", 2)))).StatusCode);
    }

    [Fact]
    public async Task BeyondTheQueueRequestsGet503WithRetryAfter()
    {
        await using var server = await Start(o => o with { Parallel = 1, MaxQueue = 0 });
        using var http = Http(server);
        var (stream, reader) = await OpenStream(http);
        using (stream)
        using (reader)
        {
            var refused = await http.PostAsync("v1/chat/completions", Json(Chat("me too", 2)));
            Assert.Equal(HttpStatusCode.ServiceUnavailable, refused.StatusCode);
            Assert.NotNull(refused.Headers.RetryAfter);
            Assert.Equal("server_busy", (await Error(refused)).GetProperty("code").GetString());
        }
        // Once the stream's client has left, its place is free again.
        var watch = Stopwatch.StartNew();
        HttpResponseMessage next;
        do next = await http.PostAsync("v1/chat/completions", Json(Chat("now", 2)));
        while (next.StatusCode == HttpStatusCode.ServiceUnavailable && watch.Elapsed < TimeSpan.FromSeconds(20) && await Delay());
        Assert.Equal(HttpStatusCode.OK, next.StatusCode);
    }

    private static async Task<bool> Delay()
    {
        await Task.Delay(50);
        return true;
    }

    [Fact]
    public async Task APromptLongerThanTheContextGets400ContextLengthExceeded()
    {
        await using var server = await Start(o => o with { Session = o.Session with { ContextLength = 64 } });
        using var http = Http(server);
        var response = await http.PostAsync("v1/chat/completions", Json(Chat(string.Join(' ', Enumerable.Repeat("word", 200)), 4)));
        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Equal("context_length_exceeded", (await Error(response)).GetProperty("code").GetString());
    }

    [Fact]
    public async Task MaxTokensBeyondTheContextIsCappedByIt()
    {
        const int Context = 48;
        await using var server = await Start(o => o with { Session = o.Session with { ContextLength = Context } });
        using var http = Http(server);
        var response = await http.PostAsync("v1/chat/completions", Json(Chat("hi", 100_000)));
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        using var json = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        var usage = json.RootElement.GetProperty("usage");
        Assert.InRange(usage.GetProperty("completion_tokens").GetInt32(), 1, Context - usage.GetProperty("prompt_tokens").GetInt32() + 1);
    }

    [Fact]
    public async Task AnAnswerPastTheTimeoutEndsWithLengthAndDone()
    {
        await using var server = await Start(o => o with { RequestTimeout = TimeSpan.FromSeconds(1) });
        using var http = Http(server);
        await http.PostAsync("v1/chat/completions", Json(Chat("warm up", 1))); // a first token within the timeout, even on a busy machine
        var watch = Stopwatch.StartNew();
        var (stream, reader) = await OpenStream(http);
        using (stream)
        using (reader) Assert.Equal("length", await FinishOf(reader));
        Assert.True(watch.Elapsed < TimeSpan.FromSeconds(15), $"the stream ran {watch.Elapsed} past a 1 s timeout");

        // The usage of an answer the timeout ended counts its prompt and its tokens, on both endpoints.
        foreach (var (path, body) in new (string, object)[]
        {
            ("v1/chat/completions", new { messages = new[] { new { role = "user", content = "talk" } }, max_tokens = 4000, temperature = 0,
                stream = true, stream_options = new { include_usage = true } }),
            ("v1/completions", new { prompt = "Once upon a time", max_tokens = 4000, temperature = 0, stream = true, stream_options = new { include_usage = true } }),
        })
        {
            var events = (await (await http.PostAsync(path, Json(body))).Content.ReadAsStringAsync())
                .Split('\n').Where(l => l.StartsWith("data: {", StringComparison.Ordinal)).Select(l => JsonDocument.Parse(l[6..]).RootElement).ToList();
            var usage = events.Last().GetProperty("usage");
            Assert.True(usage.GetProperty("prompt_tokens").GetInt32() > 1, $"{path}: {usage}");
            Assert.True(usage.GetProperty("completion_tokens").GetInt32() is > 0 and < 4000, $"{path}: {usage}");
        }
    }

    [Fact]
    public async Task HealthAndMetricsNeedNoKeyAndCountRequests()
    {
        var log = new List<string>();
        await using var server = await Start(o => o with { Log = line => { lock (log) log.Add(line); } });
        using var http = Http(server);
        Assert.Equal(HttpStatusCode.OK, (await http.PostAsync("v1/chat/completions", Json(Chat("secret words", 3)))).StatusCode);
        using var anonymous = Http(server, key: false);
        Assert.Equal(HttpStatusCode.Unauthorized, (await anonymous.GetAsync("v1/models")).StatusCode);

        var health = await anonymous.GetAsync("health");
        Assert.Equal(HttpStatusCode.OK, health.StatusCode);
        Assert.Contains("\"ok\"", await health.Content.ReadAsStringAsync());
        var metrics = await anonymous.GetAsync("metrics");
        Assert.Equal(HttpStatusCode.OK, metrics.StatusCode);
        string text = await metrics.Content.ReadAsStringAsync();
        Assert.Contains("grove_requests_total{path=\"/v1/chat/completions\",status=\"200\"} 1", text);
        Assert.Contains("grove_requests_total{path=\"/v1/models\",status=\"401\"} 1", text);
        Assert.Contains("grove_generated_tokens_total 3", text);
        Assert.Contains("grove_generation_tokens_per_second 0.3", text); // 3 tokens in the last 10 s
        foreach (var name in new[] { "grove_queue_length", "grove_active_sequences", "grove_prompt_tokens_total", "grove_kv_cache_tokens",
                     "grove_kv_cache_capacity_tokens", "grove_generation_tokens_per_second", "grove_time_to_first_token_seconds_bucket",
                     "grove_inter_token_latency_seconds_bucket" })
            Assert.Contains(name, text);

        string line;
        lock (log) line = Assert.Single(log, l => l.Contains("path=/v1/chat/completions", StringComparison.Ordinal));
        Assert.Contains("status=200", line);
        Assert.Contains("completion_tokens=3", line);
        Assert.Contains("finish=length", line);
        Assert.DoesNotContain("secret", line);
    }

    [Fact]
    public async Task HealthSaysLoadingUntilTheModelHasLoaded()
    {
        using var release = new ManualResetEventSlim();
        await using var server = await OpenAiServer.StartAsync(() => { release.Wait(); return tiny.Model; }, Options(null));
        using var http = Http(server);
        var loading = await http.GetAsync("health");
        Assert.Equal(HttpStatusCode.ServiceUnavailable, loading.StatusCode);
        Assert.Contains("\"loading\"", await loading.Content.ReadAsStringAsync());
        var early = await http.PostAsync("v1/chat/completions", Json(Chat("hi", 2)));
        Assert.Equal(HttpStatusCode.ServiceUnavailable, early.StatusCode);
        Assert.NotNull(early.Headers.RetryAfter);

        release.Set();
        await server.Ready;
        Assert.Equal(HttpStatusCode.OK, (await http.GetAsync("health")).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await http.PostAsync("v1/chat/completions", Json(Chat("hi", 2)))).StatusCode);
    }

    [Fact]
    public async Task StoppingEndsRunningStreamsWithAFinishAndDoneAfterTheGrace()
    {
        var server = await Start(o => o with { ShutdownGrace = TimeSpan.FromMilliseconds(300) });
        using var http = Http(server);
        var (stream, reader) = await OpenStream(http);
        var watch = Stopwatch.StartNew();
        var stopping = server.DisposeAsync().AsTask();
        using (stream)
        using (reader) Assert.Equal("length", await FinishOf(reader));
        await stopping;
        Assert.True(watch.Elapsed < TimeSpan.FromSeconds(10), $"stopping took {watch.Elapsed}");
    }

    [Fact]
    public async Task StoppingLetsAShortStreamFinishWithinTheGrace()
    {
        var server = await Start(o => o with { ShutdownGrace = TimeSpan.FromSeconds(30) });
        using var http = Http(server);
        var (stream, reader) = await OpenStream(http, maxTokens: 40);
        var stopping = server.DisposeAsync().AsTask();
        using (stream)
        using (reader) Assert.NotNull(await FinishOf(reader));
        await stopping;
    }

    [Fact]
    public async Task CorsAnswersPreflightForAllowedOriginsOnly()
    {
        await using var server = await Start(o => o with { CorsOrigins = ["https://app.example"] });
        using var http = Http(server, key: false);
        HttpRequestMessage Preflight(string origin)
        {
            var request = new HttpRequestMessage(HttpMethod.Options, "v1/chat/completions");
            request.Headers.Add("Origin", origin);
            request.Headers.Add("Access-Control-Request-Method", "POST");
            request.Headers.Add("Access-Control-Request-Headers", "authorization,content-type");
            return request;
        }
        var allowed = await http.SendAsync(Preflight("https://app.example"));
        Assert.True(allowed.IsSuccessStatusCode, $"preflight answered {allowed.StatusCode}");
        Assert.Equal("https://app.example", allowed.Headers.GetValues("Access-Control-Allow-Origin").Single());
        var other = await http.SendAsync(Preflight("https://evil.example"));
        Assert.False(other.Headers.Contains("Access-Control-Allow-Origin"));
    }

    [Fact]
    public async Task ListeningBeyondLoopbackWithoutAKeyWarns()
    {
        var warnings = new List<string>();
        await using var server = await Start(o => o with { Host = "0.0.0.0", ApiKey = null, Warn = warnings.Add });
        Assert.Contains("without --api-key", Assert.Single(warnings));
    }

    [Fact]
    public async Task StartUpMistakesAreUserErrors()
    {
        await Assert.ThrowsAsync<ServeOptionsException>(() => Start(o => o with { Host = "not a host" }));

        using var taken = new TcpListener(IPAddress.Loopback, 0);
        taken.Start();
        int port = ((IPEndPoint)taken.LocalEndpoint).Port;
        var inUse = await Assert.ThrowsAsync<ServeOptionsException>(() => Start(o => o with { Port = port }));
        Assert.Contains("cannot listen", inUse.Message);

        var tooLarge = await Assert.ThrowsAsync<ServeOptionsException>(() =>
            Start(o => o with { Parallel = 64, Session = o.Session with { ContextLength = 1 << 30 } }));
        Assert.Contains("KV cache", tooLarge.Message);
    }
}
