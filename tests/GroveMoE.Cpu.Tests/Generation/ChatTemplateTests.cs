using System.Runtime.CompilerServices;
using System.Text.Json;
using GroveMoE.Cpu.Generation;
using GroveMoE.Cpu.Gguf;
using GroveMoE.Cpu.Conversion.Tokenization;

namespace GroveMoE.Cpu.Tests.Generation;

public class ChatTemplateTests
{
    private static readonly ChatTemplate Template = ChatTemplate.ForModel(new GgufMetadata());

    private static readonly Lazy<(ChatTurn[] Messages, bool Thinking, string Prompt, ChatTool[] Tools)[]> Reference = new(LoadReference);

    private static readonly ChatTemplate Qwen3 = ChatTemplate.Detect(
        JsonDocument.Parse(BuiltInTokenizer.Qwen3TokenizerConfigJson).RootElement.GetProperty("chat_template").GetString());

    public static TheoryData<int> ReferenceIndices()
    {
        var data = new TheoryData<int>();
        for (int i = 0; i < Reference.Value.Length; i++) data.Add(i);
        return data;
    }

    /// <summary>Prompts rendered by Qwen3's Jinja template with jinja2 (generate-chat-prompts.py).</summary>
    [Theory]
    [MemberData(nameof(ReferenceIndices))]
    public void RendersLikeQwen3sJinjaTemplate(int index)
    {
        var (messages, thinking, prompt, tools) = Reference.Value[index];
        Assert.Equal(prompt, Qwen3.Render(null, messages, thinking, tools));
    }

    [Fact]
    public void RendersQwen3ChatMlWithSystemHistoryAndGenerationPrompt()
    {
        var messages = new List<ChatTurn>
        {
            new(AuthorRole.User, "Hi"),
            new(AuthorRole.Assistant, "<think>\nthe user greets\n</think>\n\nHello!"),
            new(AuthorRole.User, "Sum 2+2"),
        };
        string expected = "<|im_start|>system\nBe brief.<|im_end|>\n" +
            "<|im_start|>user\nHi<|im_end|>\n" +
            "<|im_start|>assistant\nHello!<|im_end|>\n" +
            "<|im_start|>user\nSum 2+2<|im_end|>\n" +
            "<|im_start|>assistant\n";
        Assert.Equal(expected, Template.Render("Be brief.", messages));
    }

    [Theory]
    [InlineData(true, "question", false)]
    [InlineData(false, "question", true)]
    [InlineData(true, "question /no_think", true)]
    [InlineData(false, "question /think", false)]
    [InlineData(true, "/think then /no_think", true)]
    [InlineData(false, "/no_think then /think", false)]
    public void ThinkingOffAddsTheEmptyThinkBlock(bool thinking, string message, bool emptyBlock)
    {
        string prompt = Template.Render(null, [new ChatTurn(AuthorRole.User, message)], thinking);
        Assert.Equal(emptyBlock, prompt.EndsWith("<|im_start|>assistant\n<think>\n\n</think>\n\n", StringComparison.Ordinal));
        Assert.StartsWith($"<|im_start|>user\n{message}<|im_end|>\n<|im_start|>assistant\n", prompt);
    }

    [Fact]
    public void OnlyTheLastUserMessagesSwitchCounts()
    {
        ChatTurn[] messages = [new(AuthorRole.User, "earlier /no_think"), new(AuthorRole.Assistant, "ok"), new(AuthorRole.User, "plain")];
        Assert.True(ChatTemplate.ResolveThinking(messages, true));
        Assert.False(ChatTemplate.ResolveThinking(messages, false));
    }

    [Fact]
    public void RecognisesChatMlAndFlagsOtherTemplates()
    {
        var chatMl = new GgufMetadata();
        chatMl.Set("tokenizer.chat_template", GgufValue.Of("{% for m in messages %}<|im_start|>{{ m.role }}{% endfor %}"));
        var other = new GgufMetadata();
        other.Set("tokenizer.chat_template", GgufValue.Of("{{ bos_token }}[INST] {{ m }} [/INST]"));
        Assert.True(ChatTemplate.ForModel(chatMl).IsQwen3);
        Assert.Null(ChatTemplate.ForModel(chatMl).Note);
        Assert.False(ChatTemplate.ForModel(other).IsQwen3);
        Assert.NotNull(ChatTemplate.ForModel(other).Note);
        Assert.True(Qwen3.IsQwen3);
        Assert.Null(Qwen3.Note);
    }

    [Fact]
    public void WithoutThinkingKeepsTheAnswer()
    {
        Assert.Equal("Hello.", ChatTemplate.WithoutThinking("<think>\nhm\n</think>\n\nHello."));
        Assert.Equal("no think block", ChatTemplate.WithoutThinking("no think block"));
    }

    private static (ChatTurn[], bool, string, ChatTool[])[] LoadReference()
    {
        using var json = JsonDocument.Parse(File.ReadAllText(Path.Combine(SourceDirectory(), "qwen3-chat-prompts.json")));
        return json.RootElement.GetProperty("cases").EnumerateArray().Select(c => (
            c.GetProperty("messages").EnumerateArray().Select(Turn).ToArray(),
            c.GetProperty("enable_thinking").GetBoolean(),
            c.GetProperty("prompt").GetString()!,
            c.TryGetProperty("tools", out var tools)
                ? tools.EnumerateArray().Select(t => t.GetProperty("function")).Select(f => new ChatTool(
                    f.GetProperty("name").GetString()!,
                    f.TryGetProperty("description", out var d) ? d.GetString() : null,
                    f.GetProperty("parameters").Clone())).ToArray()
                : [])).ToArray();
    }

    private static ChatTurn Turn(JsonElement m) => new(
        m.GetProperty("role").GetString() switch
        {
            "system" => AuthorRole.System,
            "user" => AuthorRole.User,
            "tool" => AuthorRole.Tool,
            _ => AuthorRole.Assistant,
        },
        m.GetProperty("content").GetString()!)
    {
        ToolCalls = m.TryGetProperty("tool_calls", out var calls)
            ? calls.EnumerateArray().Select(c => new ToolCall(c.GetProperty("function").GetProperty("name").GetString()!,
                c.GetProperty("function").GetProperty("arguments").GetString()!) { Id = c.GetProperty("id").GetString() }).ToArray()
            : [],
        Reasoning = m.TryGetProperty("reasoning_content", out var r) ? r.GetString() : null,
    };

    private static string SourceDirectory([CallerFilePath] string path = "") => Path.GetDirectoryName(path)!;
}
