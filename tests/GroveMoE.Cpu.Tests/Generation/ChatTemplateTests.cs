using GroveMoE.Cpu.Generation;
using GroveMoE.Cpu.Gguf;

namespace GroveMoE.Cpu.Tests.Generation;

public class ChatTemplateTests
{
    private static readonly ChatTemplate Template = ChatTemplate.ForModel(new GgufMetadata());

    [Fact]
    public void RendersQwen3ChatMlWithSystemHistoryAndGenerationPrompt()
    {
        var messages = new List<ChatMessage>
        {
            new(ChatRole.User, "Hi"),
            new(ChatRole.Assistant, "<think>\nthe user greets\n</think>\n\nHello!"),
            new(ChatRole.User, "Sum 2+2"),
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
        string prompt = Template.Render(null, [new ChatMessage(ChatRole.User, message)], thinking);
        Assert.Equal(emptyBlock, prompt.EndsWith("<|im_start|>assistant\n<think>\n\n</think>\n\n", StringComparison.Ordinal));
        Assert.StartsWith($"<|im_start|>user\n{message}<|im_end|>\n<|im_start|>assistant\n", prompt);
    }

    [Fact]
    public void RecognisesChatMlAndFlagsOtherTemplates()
    {
        var chatMl = new GgufMetadata();
        chatMl.Set("tokenizer.chat_template", GgufValue.Of("{% for m in messages %}<|im_start|>{{ m.role }}{% endfor %}"));
        var other = new GgufMetadata();
        other.Set("tokenizer.chat_template", GgufValue.Of("{{ bos_token }}[INST] {{ m }} [/INST]"));
        Assert.True(ChatTemplate.ForModel(chatMl).IsQwen3);
        Assert.False(ChatTemplate.ForModel(other).IsQwen3);
    }
}
