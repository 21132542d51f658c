using GroveMoE.Cpu.Generation;

namespace GroveMoE.Cpu.Tests.AI;

public sealed class LanguageModelTests(TinyLanguageModelFixture tiny) : IClassFixture<TinyLanguageModelFixture>
{
    private static readonly GenerationOptions Greedy = new() { MaxTokens = 24, Sampler = SamplerOptions.Greedy };

    [Fact]
    public async Task TwoSessionsGeneratingAtOnceGiveTheTextsTheyGiveOneAfterAnother()
    {
        var model = tiny.Model;
        int[][] prompts =
        [
            model.EncodeChat([new ChatTurn(AuthorRole.User, "Name three rivers.")]),
            model.EncodeChat([new ChatTurn(AuthorRole.User, "Wie spät ist es?")], thinking: false),
        ];
        var sequential = prompts.Select(p => tiny.Generate(p, Greedy).Text).ToArray();
        Assert.NotEqual(sequential[0], sequential[1]);

        using var start = new Barrier(2);
        var concurrent = await Task.WhenAll(prompts.Select(p => Task.Run(() =>
        {
            start.SignalAndWait();
            return tiny.Generate(p, Greedy).Text;
        })));
        Assert.Equal(sequential, concurrent);
    }

    [Fact]
    public void OpenChatUsesTheModelsTemplateAndDefaults()
    {
        using var chat = tiny.Model.OpenChat(new ChatSessionOptions { SystemPrompt = "Be brief." });
        var session = chat.Session;
        Assert.Equal(TinyLanguageModelFixture.Session.ContextLength, session.ContextLength);
        Assert.Equal("tiny", tiny.Model.Name);
        Assert.True(tiny.Model.ChatTemplate.IsQwen3);
    }
}
