using GroveMoE.Cpu.Generation;
using GroveMoE.Cpu.Model;

namespace GroveMoE.Cpu.Tests.Generation;

public class ChatSessionTests(TinyChatModelFixture fixture) : IClassFixture<TinyChatModelFixture>
{
    private static async Task<string> Send(ChatSession chat, string message, GenerationOptions options) =>
        (await chat.SendAsync(message, options).CollectAsync()).Text;

    private static async Task<(string Text, GenerationStats Stats)> SendWithStats(ChatSession chat, string message, GenerationOptions options) =>
        await chat.SendAsync(message, options).CollectAsync();

    [Fact]
    public async Task EachTurnReusesTheHistoryAndAnswersLikeAFreshRender()
    {
        var options = new GenerationOptions { MaxTokens = 6, Sampler = SamplerOptions.Greedy };
        using var session = new InferenceSession(fixture.Model, fixture.Tokenizer, new SessionOptions { ContextLength = 512, Threads = 2 });
        var chat = new ChatSession(session, new ChatSessionOptions { SystemPrompt = "You are terse." });
        string first = await Send(chat, "Hello", options);
        var (second, stats) = await SendWithStats(chat, "And then?", options);
        Assert.True(stats.ReusedTokens > 10);

        var template = ChatTemplate.ForModel(fixture.Model.File.Metadata);
        var prompt = fixture.Tokenizer.Encode(template.Render("You are terse.",
            [new(AuthorRole.User, "Hello"), new(AuthorRole.Assistant, first), new(AuthorRole.User, "And then?")]));
        using var fresh = new InferenceSession(fixture.Model, fixture.Tokenizer, new SessionOptions { ContextLength = 512, Threads = 1 });
        var expected = new System.Text.StringBuilder();
        await foreach (var piece in fresh.GenerateAsync(prompt, options)) expected.Append(piece);
        Assert.Equal(expected.ToString(), second);
        Assert.Equal(4, chat.History.Count);
    }

    [Fact]
    public async Task AFullContextDropsTheOldestTurnsOrFailsClearly()
    {
        var options = new GenerationOptions { MaxTokens = 8, Sampler = SamplerOptions.Greedy };
        string longMessage = string.Join(' ', Enumerable.Repeat("lorem ipsum", 12));
        using var session = new InferenceSession(fixture.Model, fixture.Tokenizer, new SessionOptions { ContextLength = 128, Threads = 2 });
        var dropping = new ChatSession(session);
        for (int i = 0; i < 5; i++) await Send(dropping, longMessage, options);
        Assert.True(dropping.DroppedTurns > 0);

        var strict = new ChatSession(session, new ChatSessionOptions { DropOldestTurns = false });
        strict.Reset();
        await Assert.ThrowsAsync<ContextFullException>(async () =>
        {
            for (int i = 0; i < 5; i++) await Send(strict, longMessage, options);
        });
    }
}
