using System.ComponentModel;
using System.Text.Json;
using GroveMoE.Cpu.AI;
using GroveMoE.Cpu.Generation;
using Microsoft.Extensions.AI;

namespace GroveMoE.Cpu.Tests.AI;

/// <summary>The random tiny model cannot call a tool or write JSON by itself: only the constraints make these pass.</summary>
public sealed class GroveChatClientToolTests(TinyLanguageModelFixture tiny) : IClassFixture<TinyLanguageModelFixture>
{
    // No free-text strings: the random model would rarely close one within the token budget.
    public sealed record Forecast(int Celsius, bool Rain, int[] Hours);

    [Fact]
    public async Task FunctionInvokingClientRunsAForcedCallAndFeedsTheResultBack()
    {
        int invoked = 0;
        int? daysAsked = null;
        var weather = AIFunctionFactory.Create(
            ([Description("how many days ahead")] int days, bool metric) => { invoked++; daysAsked = days; return $"sunny for {days} days"; },
            "get_weather", "Weather in a city");
        var seen = new List<IEnumerable<ChatMessage>>();
        using var grove = new GroveChatClient(tiny.Model);
        // The spy sits inside the function-invoking client, so it sees every request that reaches the model.
        using var client = new ChatClientBuilder(grove)
            .UseFunctionInvocation(configure: f => f.MaximumIterationsPerRequest = 2)
            .Use((messages, options, next, cancel) => { seen.Add(messages.ToList()); return next(messages, options, cancel); })
            .Build();

        var options = new ChatOptions
        {
            Tools = [weather], ToolMode = ChatToolMode.RequireSpecific("get_weather"), MaxOutputTokens = 120, Temperature = 1, Seed = 3
        };
        var response = await client.GetResponseAsync("What is the weather?", options);

        Assert.True(invoked >= 1, "the tool was not invoked");
        Assert.NotNull(daysAsked);
        // The second request to the model carries the call and its result, rendered back into the prompt.
        var second = seen[1].ToList();
        var call = second.SelectMany(m => m.Contents).OfType<FunctionCallContent>().First();
        Assert.Equal("get_weather", call.Name);
        var result = second.SelectMany(m => m.Contents).OfType<FunctionResultContent>().First();
        Assert.Equal(call.CallId, result.CallId);
        Assert.Contains(response.Messages, m => m.Contents.OfType<FunctionResultContent>().Any());
    }

    [Fact]
    public async Task ARequiredToolCallHasArgumentsValidUnderItsSchema()
    {
        var tool = AIFunctionFactory.CreateDeclaration("pick", "Pick a level",
            JsonDocument.Parse("""{"type":"object","properties":{"level":{"type":"integer","minimum":1,"maximum":5},"tag":{"enum":["a","b"]}},"required":["level","tag"],"additionalProperties":false}""").RootElement);
        using var client = new GroveChatClient(tiny.Model);
        for (int seed = 1; seed <= 3; seed++)
        {
            var response = await client.GetResponseAsync("Pick.", new ChatOptions
            {
                Tools = [tool], ToolMode = ChatToolMode.RequireAny, MaxOutputTokens = 100, Temperature = 1.2f, Seed = seed,
            });
            Assert.Equal(ChatFinishReason.ToolCalls, response.FinishReason);
            var call = Assert.Single(response.Messages.SelectMany(m => m.Contents).OfType<FunctionCallContent>());
            Assert.Equal("pick", call.Name);
            Assert.InRange(((JsonElement)call.Arguments!["level"]!).GetInt32(), 1, 5);
            Assert.Contains(((JsonElement)call.Arguments!["tag"]!).GetString(), new[] { "a", "b" });
        }
    }

    [Fact]
    public async Task ATypedResponseDeserializes()
    {
        using var client = new GroveChatClient(tiny.Model);
        for (int seed = 1; seed <= 2; seed++)
        {
            var response = await client.GetResponseAsync<Forecast>("Forecast for Oslo?",
                new ChatOptions { MaxOutputTokens = 300, Temperature = 1, Seed = seed });
            Assert.True(response.TryGetResult(out var forecast), response.Text);
            Assert.NotNull(forecast!.Hours);
        }
    }

    [Fact]
    public async Task ToolResultsWithoutACallAreRefused()
    {
        using var client = new GroveChatClient(tiny.Model);
        ChatMessage[] messages = [new(ChatRole.User, "hi"), new(ChatRole.Tool, [new FunctionResultContent("call_x", "42")])];
        await Assert.ThrowsAsync<ArgumentException>(() => client.GetResponseAsync(messages));
    }

    [Fact]
    public void ParserSplitsReasoningAnswerAndCallsAcrossAnyPieceBoundaries()
    {
        const string output = "<think>\nI should call.\n</think>\n\nLet me check.\n<tool_call>\n{\"name\": \"f\", \"arguments\": {\"x\": 1}}\n</tool_call>\n<tool_call>\n{\"name\": \"g\", \"arguments\": \"{}\"}\n</tool_call>";
        var random = new Random(1);
        for (int trial = 0; trial < 50; trial++)
        {
            var parser = new AssistantOutputParser(reasoningFirst: true, parseToolCalls: true);
            var parts = new List<AssistantPart>();
            for (int at = 0; at < output.Length;)
            {
                int n = Math.Min(output.Length - at, 1 + random.Next(6));
                parser.Push(output.Substring(at, n), parts);
                at += n;
            }
            parser.Flush(parts);
            Assert.Equal("I should call.", string.Concat(parts.Where(p => p.Kind == AssistantPartKind.Reasoning).Select(p => p.Text)));
            Assert.Equal("Let me check.", string.Concat(parts.Where(p => p.Kind == AssistantPartKind.Content).Select(p => p.Text)));
            var calls = parts.Where(p => p.Kind == AssistantPartKind.ToolCall).Select(p => p.Call!).ToList();
            Assert.Equal(["f", "g"], calls.Select(c => c.Name));
            Assert.Equal("{\"x\": 1}", calls[0].Arguments);
        }
    }
}
