using System.ClientModel;
using System.Net;
using System.Text;
using System.Text.Json;
using GroveMoE.Cli.Serving;
using ChatCompletion = OpenAI.Chat.ChatCompletion;
using ChatFinishReason = OpenAI.Chat.ChatFinishReason;
using GroveMoE.Cpu.Generation;
using OpenAI;
using OpenAI.Chat;

namespace GroveMoE.Cpu.Tests.Serving;

/// <summary>grove serve in-process on a free loopback port, driven by the official OpenAI .NET SDK and raw HTTP.</summary>
public sealed class OpenAiServerTests(TinyLanguageModelFixture tiny) : IClassFixture<TinyLanguageModelFixture>
{
    private const string Key = "test-key";

    private Task<OpenAiServer> Start(List<string>? log = null) => OpenAiServer.StartAsync(tiny.Model, new ServeOptions
    {
        Port = 0,
        ApiKey = Key,
        Session = TinyLanguageModelFixture.Session,
        Log = log is null ? null : line => { lock (log) log.Add(line); },
    });

    private static ChatClient Sdk(OpenAiServer server, string key = Key) =>
        new("tiny", new ApiKeyCredential(key), new OpenAIClientOptions { Endpoint = new Uri(server.Address, "v1") });

    private static HttpClient Http(OpenAiServer server)
    {
        var http = new HttpClient { BaseAddress = server.Address };
        http.DefaultRequestHeaders.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue("Bearer", Key);
        return http;
    }

    private string Reference(string user, int maxTokens) =>
        tiny.Generate(tiny.Model.EncodeChat([new ChatTurn(AuthorRole.User, user)]),
            new GenerationOptions { MaxTokens = maxTokens, Sampler = SamplerOptions.Greedy }).Text;

    [Fact]
    public async Task TheOpenAiSdkChatsStreamingAndNot()
    {
        await using var server = await Start();
        var client = Sdk(server);
        var options = new ChatCompletionOptions { Temperature = 0, MaxOutputTokenCount = 10 };
        string expected = Reference("Hello, grove", 10);

        ChatCompletion completion = await client.CompleteChatAsync([new UserChatMessage("Hello, grove")], options);
        Assert.Equal(expected, completion.Content[0].Text);
        Assert.Equal(ChatFinishReason.Length, completion.FinishReason);
        Assert.Equal(10, completion.Usage.OutputTokenCount);
        Assert.Equal(tiny.Model.EncodeChat([new ChatTurn(AuthorRole.User, "Hello, grove")]).Length,
            completion.Usage.InputTokenCount);

        var text = new StringBuilder();
        ChatFinishReason? finish = null;
        ChatTokenUsage? usage = null;
        await foreach (var update in client.CompleteChatStreamingAsync([new UserChatMessage("Hello, grove")], options))
        {
            foreach (var part in update.ContentUpdate) text.Append(part.Text);
            finish ??= update.FinishReason;
            usage ??= update.Usage;
        }
        Assert.Equal(expected, text.ToString());
        Assert.Equal(ChatFinishReason.Length, finish);
        Assert.Equal(10, usage!.OutputTokenCount);

        var models = await new OpenAIClient(new ApiKeyCredential(Key), new OpenAIClientOptions { Endpoint = new Uri(server.Address, "v1") })
            .GetOpenAIModelClient().GetModelsAsync();
        Assert.Equal(["tiny"], models.Value.Select(m => m.Id));
    }

    [Fact]
    public async Task AWrongKeyIsRefusedWith401()
    {
        await using var server = await Start();
        var error = await Assert.ThrowsAsync<ClientResultException>(() => Sdk(server, "wrong").CompleteChatAsync([new UserChatMessage("hi")]));
        Assert.Equal(401, error.Status);
        using var anonymous = new HttpClient { BaseAddress = server.Address };
        Assert.Equal(HttpStatusCode.Unauthorized, (await anonymous.GetAsync("v1/models")).StatusCode);
    }

    [Theory]
    [InlineData("v1/chat/completions", "{\"messages\": [", 400, null)]
    [InlineData("v1/chat/completions", "{\"messages\": []}", 400, "messages")]
    [InlineData("v1/chat/completions", "{\"messages\": [{\"role\": \"tool\", \"content\": \"x\"}]}", 400, "messages[0].tool_call_id")]
    [InlineData("v1/chat/completions", "{\"messages\": [{\"role\": \"user\", \"content\": \"hi\"}], \"response_format\": {\"type\": \"json_schema\", \"json_schema\": {\"name\": \"x\", \"schema\": {\"type\": \"string\", \"pattern\": \"a+\"}}}}", 400, "response_format")]
    [InlineData("v1/chat/completions", "{\"messages\": [{\"role\": \"user\", \"content\": \"hi\"}], \"tools\": [{\"type\": \"function\", \"function\": {\"name\": \"f\"}}], \"tool_choice\": {\"type\": \"function\", \"function\": {\"name\": \"g\"}}}", 400, "tool_choice")]
    [InlineData("v1/chat/completions", "{\"messages\": [{\"role\": \"user\", \"content\": \"hi\"}], \"tools\": [{\"type\": \"function\", \"function\": {\"name\": \"f\", \"parameters\": {\"type\": \"object\", \"properties\": {\"a\": {\"not\": {}}}}}}], \"tool_choice\": \"required\"}", 400, "response_format")]
    [InlineData("v1/chat/completions", "{\"messages\": [{\"role\": \"user\", \"content\": \"hi\"}], \"temperature\": \"hot\"}", 400, null)]
    [InlineData("v1/chat/completions", "{\"messages\": [{\"role\": \"user\", \"content\": \"hi\"}], \"n\": 2}", 400, "n")]
    [InlineData("v1/completions", "{\"prompt\": 5}", 400, "prompt")]
    [InlineData("v1/completions", "[1, 2]", 400, null)]
    [InlineData("v1/nothing", "{}", 404, null)]
    public async Task BadRequestsGetOpenAiErrorObjects(string path, string body, int status, string? param)
    {
        await using var server = await Start();
        using var http = Http(server);
        var response = await http.PostAsync(path, new StringContent(body, Encoding.UTF8, "application/json"));
        Assert.Equal(status, (int)response.StatusCode);
        string text = await response.Content.ReadAsStringAsync();
        using var json = JsonDocument.Parse(text);
        var error = json.RootElement.GetProperty("error");
        Assert.False(string.IsNullOrEmpty(error.GetProperty("message").GetString()));
        Assert.DoesNotContain("Exception", text); // no stack trace or .NET type names
        Assert.DoesNotContain("   at ", text);
        Assert.Equal(param, error.TryGetProperty("param", out var p) ? p.GetString() : null);
    }

    [Fact]
    public async Task CompletionsContinueARawPromptAndStreamTheSame()
    {
        await using var server = await Start();
        using var http = Http(server);
        string expected = tiny.Generate(tiny.Model.Tokenizer.Encode("Once upon a time"),
            new GenerationOptions { MaxTokens = 8, Sampler = SamplerOptions.Greedy }).Text;

        var plain = await http.PostAsync("v1/completions", Json(new { prompt = "Once upon a time", max_tokens = 8, temperature = 0 }));
        using var body = JsonDocument.Parse(await plain.Content.ReadAsStringAsync());
        Assert.Equal(expected, body.RootElement.GetProperty("choices")[0].GetProperty("text").GetString());
        Assert.Equal(8, body.RootElement.GetProperty("usage").GetProperty("completion_tokens").GetInt32());

        var stream = await http.PostAsync("v1/completions", Json(new { prompt = "Once upon a time", max_tokens = 8, temperature = 0, stream = true }));
        Assert.Equal("text/event-stream", stream.Content.Headers.ContentType!.MediaType);
        var events = (await stream.Content.ReadAsStringAsync()).Split("\n\n", StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal("data: [DONE]", events[^1]);
        var text = string.Concat(events[..^1].Select(e => JsonDocument.Parse(e["data: ".Length..]).RootElement
            .GetProperty("choices")[0].GetProperty("text").GetString()));
        Assert.Equal(expected, text);
    }

    [Fact]
    public async Task ConcurrentRequestsQueueAndAllComplete()
    {
        await using var server = await Start();
        var client = Sdk(server);
        string[] questions = ["one", "two", "three", "four"];
        var options = new ChatCompletionOptions { Temperature = 0, MaxOutputTokenCount = 6 };
        var answers = await Task.WhenAll(questions.Select(async q =>
            (await client.CompleteChatAsync([new UserChatMessage(q)], options)).Value.Content[0].Text));
        Assert.Equal(questions.Select(q => Reference(q, 6)), answers);
    }

    [Fact]
    public async Task AClientThatDisconnectsCancelsItsGeneration()
    {
        var log = new List<string>();
        await using var server = await Start(log);
        using var http = Http(server);
        var request = new HttpRequestMessage(HttpMethod.Post, "v1/chat/completions")
        {
            Content = Json(new { messages = new[] { new { role = "user", content = "talk" } }, max_tokens = 4000, stream = true }),
        };
        using (var response = await http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead))
        {
            using var reader = new StreamReader(await response.Content.ReadAsStreamAsync());
            Assert.StartsWith("data: ", await reader.ReadLineAsync());
        }
        // The pool has one session: the next request is answered only once the abandoned one has stopped.
        var next = await Sdk(server).CompleteChatAsync([new UserChatMessage("hi")], new ChatCompletionOptions { MaxOutputTokenCount = 2 });
        Assert.Equal(2, next.Value.Usage.OutputTokenCount);
        // The abandoned request logs its end as it unwinds, which may trail the next request's answer.
        bool ClientLeft()
        {
            lock (log) return log.Any(line => line.StartsWith("method=POST path=/v1/chat/completions status=client_left", StringComparison.Ordinal));
        }
        for (int wait = 0; wait < 100 && !ClientLeft(); wait++) await Task.Delay(50);
        Assert.True(ClientLeft(), "the server never logged that the client left");
    }

    private static StringContent Json(object body) => new(JsonSerializer.Serialize(body), Encoding.UTF8, "application/json");
}
