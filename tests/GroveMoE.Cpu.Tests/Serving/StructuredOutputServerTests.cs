using System.ClientModel;
using System.Net;
using System.Text;
using System.Text.Json;
using GroveMoE.Cli.Serving;
using OpenAI;
using ChatCompletion = OpenAI.Chat.ChatCompletion;
using OpenAI.Chat;

namespace GroveMoE.Cpu.Tests.Serving;

/// <summary>Structured output and tool calls through grove serve, driven by the official OpenAI .NET SDK. The random
/// tiny model writes noise: only the constraints can make these answers valid.</summary>
public sealed class StructuredOutputServerTests(TinyLanguageModelFixture tiny) : IClassFixture<TinyLanguageModelFixture>
{
    private const string Schema = """
        {"type":"object","properties":{"level":{"type":"integer","minimum":1,"maximum":9},"ok":{"type":"boolean"},"tag":{"enum":["x","y"]}},
         "required":["level","ok","tag"],"additionalProperties":false}
        """;

    private Task<OpenAiServer> Start() => OpenAiServer.StartAsync(tiny.Model, new ServeOptions { Port = 0, Session = TinyLanguageModelFixture.Session });

    private static ChatClient Sdk(OpenAiServer server) =>
        new("tiny", new ApiKeyCredential("none"), new OpenAIClientOptions { Endpoint = new Uri(server.Address, "v1") });

    private static void AssertValid(string json)
    {
        using var document = JsonDocument.Parse(json);
        var root = document.RootElement;
        Assert.InRange(root.GetProperty("level").GetInt32(), 1, 9);
        Assert.Contains(root.GetProperty("tag").GetString(), new[] { "x", "y" });
        Assert.Equal(3, root.EnumerateObject().Count());
    }

    [Fact]
    public async Task JsonSchemaResponsesAreValidStreamingAndNot()
    {
        await using var server = await Start();
        var client = Sdk(server);
        var options = new ChatCompletionOptions
        {
            ResponseFormat = ChatResponseFormat.CreateJsonSchemaFormat("pick", BinaryData.FromString(Schema), jsonSchemaIsStrict: true),
            Temperature = 1.2f, MaxOutputTokenCount = 100,
        };
        ChatCompletion completion = await client.CompleteChatAsync([new UserChatMessage("Pick.")], options);
        Assert.Equal(ChatFinishReason.Stop, completion.FinishReason);
        AssertValid(completion.Content[0].Text);

        var text = new StringBuilder();
        await foreach (var update in client.CompleteChatStreamingAsync([new UserChatMessage("Pick again.")], options))
            foreach (var part in update.ContentUpdate) text.Append(part.Text);
        AssertValid(text.ToString());

        var anyObject = new ChatCompletionOptions { ResponseFormat = ChatResponseFormat.CreateJsonObjectFormat(), MaxOutputTokenCount = 400, Temperature = 0.5f };
        ChatCompletion json = await client.CompleteChatAsync([new UserChatMessage("JSON please")], anyObject);
        if (json.FinishReason == ChatFinishReason.Stop) Assert.Equal(JsonValueKind.Object, JsonDocument.Parse(json.Content[0].Text).RootElement.ValueKind);
    }

    [Fact]
    public async Task RequiredToolCallsComeBackWithValidArgumentsAndTheResultCanBeSent()
    {
        await using var server = await Start();
        var client = Sdk(server);
        var tool = ChatTool.CreateFunctionTool("pick", "Pick a level", BinaryData.FromString(Schema));
        var options = new ChatCompletionOptions { Tools = { tool }, ToolChoice = ChatToolChoice.CreateRequiredChoice(), Temperature = 1, MaxOutputTokenCount = 100 };

        ChatCompletion completion = await client.CompleteChatAsync([new UserChatMessage("Pick.")], options);
        Assert.Equal(ChatFinishReason.ToolCalls, completion.FinishReason);
        var call = Assert.Single(completion.ToolCalls);
        Assert.Equal("pick", call.FunctionName);
        AssertValid(call.FunctionArguments.ToString());

        // Streamed: the id and name come first, then the arguments.
        var named = new ChatCompletionOptions { Tools = { tool }, ToolChoice = ChatToolChoice.CreateFunctionChoice("pick"), Temperature = 1, MaxOutputTokenCount = 100 };
        string? id = null, name = null;
        var arguments = new StringBuilder();
        int fragments = 0;
        ChatFinishReason? finish = null;
        await foreach (var update in client.CompleteChatStreamingAsync([new UserChatMessage("Pick.")], named))
        {
            foreach (var part in update.ToolCallUpdates)
            {
                if (part.ToolCallId is not null) { Assert.Null(id); id = part.ToolCallId; name = part.FunctionName; }
                else Assert.NotNull(id);
                string fragment = part.FunctionArgumentsUpdate?.ToString() ?? "";
                if (fragment.Length > 0) fragments++;
                arguments.Append(fragment);
            }
            finish ??= update.FinishReason;
        }
        Assert.Equal("pick", name);
        Assert.Equal(ChatFinishReason.ToolCalls, finish);
        AssertValid(arguments.ToString());
        Assert.True(fragments > 1, $"the arguments came in {fragments} piece(s), not as they were written");

        // The call and its result go back; auto mode answers (in noise, but it answers).
        ChatMessage[] history =
        [
            new UserChatMessage("Pick."),
            new AssistantChatMessage([call]),
            new ToolChatMessage(call.Id, [ChatMessageContentPart.CreateTextPart("{\"done\": true}")]),
        ];
        ChatCompletion next = await client.CompleteChatAsync(history, new ChatCompletionOptions { Tools = { tool }, MaxOutputTokenCount = 5 });
        Assert.Contains(next.FinishReason, new[] { ChatFinishReason.Stop, ChatFinishReason.Length, ChatFinishReason.ToolCalls });
    }

    [Fact]
    public async Task UnknownFieldsAreIgnoredAndModelsCanBeLookedUp()
    {
        await using var server = await Start();
        using var http = new HttpClient { BaseAddress = server.Address };
        var body = """{"messages":[{"role":"user","content":"hi"}],"max_tokens":3,"cache_prompt":true,"keep_alive":"5m","ignore_eos":true,"n_probs":2,"options":{"x":1},"logprobs":true}""";
        var response = await http.PostAsync("v1/chat/completions", new StringContent(body, Encoding.UTF8, "application/json"));
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        using var json = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        Assert.Equal(3, json.RootElement.GetProperty("usage").GetProperty("completion_tokens").GetInt32()); // ignore_eos: no early stop

        Assert.Equal(HttpStatusCode.OK, (await http.GetAsync("v1/models/tiny")).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await http.GetAsync("v1/models/other")).StatusCode);
    }
}
