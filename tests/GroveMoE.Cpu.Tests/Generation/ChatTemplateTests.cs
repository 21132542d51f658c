using System.Runtime.CompilerServices;
using System.Text.Json;
using GroveMoE.Cpu.Generation;
using GroveMoE.Cpu.Tokenization;

namespace GroveMoE.Cpu.Tests.Generation;

public sealed class ChatTemplateTests
{
    private static readonly Lazy<(ChatMessage[] Messages, bool EnableThinking, string Prompt)[]> Reference = new(LoadReference);

    private static readonly ChatTemplate Qwen3 = ChatTemplate.Detect(
        JsonDocument.Parse(BuiltInTokenizer.Qwen3TokenizerConfigJson).RootElement.GetProperty("chat_template").GetString());

    public static TheoryData<int> CaseIndices()
    {
        var data = new TheoryData<int>();
        for (int i = 0; i < Reference.Value.Length; i++) data.Add(i);
        return data;
    }

    [Theory]
    [MemberData(nameof(CaseIndices))]
    public void RendersLikeQwen3sJinjaTemplate(int index)
    {
        var (messages, enableThinking, prompt) = Reference.Value[index];
        Assert.Equal(prompt, Qwen3.Render(messages, enableThinking));
    }

    [Fact]
    public void DetectsTheFamilyFromTheTemplate()
    {
        Assert.Equal(ChatTemplateFamily.Qwen3, Qwen3.Family);
        Assert.Null(Qwen3.Note);

        var chatMl = ChatTemplate.Detect("{% for message in messages %}{{'<|im_start|>' + message['role'] + '\\n' + message['content'] + '<|im_end|>' + '\\n'}}{% endfor %}");
        Assert.Equal(ChatTemplateFamily.ChatML, chatMl.Family);
        Assert.Null(chatMl.Note);

        var unknown = ChatTemplate.Detect("{{ bos_token }}[INST] {{ messages[0]['content'] }} [/INST]");
        Assert.Equal(ChatTemplateFamily.ChatML, unknown.Family);
        Assert.NotNull(unknown.Note);
        Assert.NotNull(ChatTemplate.Detect(null).Note);
    }

    [Fact]
    public void PlainChatMLNeverAddsAThinkBlock()
    {
        var chatMl = ChatTemplate.Detect(null);
        Assert.Equal("<|im_start|>user\nhi /no_think<|im_end|>\n<|im_start|>assistant\n",
            chatMl.Render([ChatMessage.User("hi /no_think")], enableThinking: false));
    }

    [Theory]
    [InlineData("plain", true, true)]
    [InlineData("plain", false, false)]
    [InlineData("please /no_think", true, false)]
    [InlineData("please /think", false, true)]
    [InlineData("/think then /no_think", true, false)]
    [InlineData("/no_think then /think", false, true)]
    public void SoftSwitchesInTheLastUserMessageDecide(string lastUser, bool requested, bool expected)
    {
        ChatMessage[] messages = [ChatMessage.User("earlier /no_think"), ChatMessage.Assistant("ok"), ChatMessage.User(lastUser)];
        Assert.Equal(expected, ChatTemplate.ResolveThinking(messages, requested));
    }

    private static (ChatMessage[], bool, string)[] LoadReference()
    {
        using var json = JsonDocument.Parse(File.ReadAllText(Path.Combine(SourceDirectory(), "qwen3-chat-prompts.json")));
        return json.RootElement.GetProperty("cases").EnumerateArray().Select(c => (
            c.GetProperty("messages").EnumerateArray().Select(m => new ChatMessage(
                m.GetProperty("role").GetString() switch
                {
                    "system" => ChatRole.System,
                    "user" => ChatRole.User,
                    _ => ChatRole.Assistant,
                },
                m.GetProperty("content").GetString()!)).ToArray(),
            c.GetProperty("enable_thinking").GetBoolean(),
            c.GetProperty("prompt").GetString()!)).ToArray();
    }

    private static string SourceDirectory([CallerFilePath] string path = "") => Path.GetDirectoryName(path)!;
}
