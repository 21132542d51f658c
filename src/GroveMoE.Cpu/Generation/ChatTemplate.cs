using System.Text;
using GroveMoE.Cpu.Gguf;

namespace GroveMoE.Cpu.Generation;

/// <summary>
/// Qwen3's ChatML prompt format, written out in code: <c>&lt;|im_start|&gt;role\ncontent&lt;|im_end|&gt;\n</c> per
/// message, then the assistant header. The GGUF's Jinja template is only used to recognise the family; a partial
/// Jinja engine would be wrong in quieter ways.
/// </summary>
public sealed class ChatTemplate
{
    private const string ThinkOpen = "<think>", ThinkClose = "</think>";

    private ChatTemplate(bool isQwen3) => IsQwen3 = isQwen3;

    /// <summary>False when the model's template is not ChatML; ChatML is used anyway, the closest common format.</summary>
    public bool IsQwen3 { get; }

    public static ChatTemplate ForModel(GgufMetadata metadata)
    {
        string? jinja = metadata.GetStringOrNull("tokenizer.chat_template");
        return new ChatTemplate(jinja is null || jinja.Contains("<|im_start|>", StringComparison.Ordinal));
    }

    /// <summary>
    /// The prompt for the assistant's next answer. Thinking is on unless <paramref name="thinking"/> is false or the
    /// last user message's latest soft switch is <c>/no_think</c>; when off, the empty think block Qwen3 expects is
    /// appended. Earlier assistant answers lose their think blocks, as Qwen3's own template does.
    /// </summary>
    public string Render(string? systemPrompt, IReadOnlyList<ChatMessage> messages, bool thinking = true)
    {
        var text = new StringBuilder();
        if (!string.IsNullOrEmpty(systemPrompt)) Append(text, "system", systemPrompt);
        string? lastUser = null;
        foreach (var message in messages)
        {
            switch (message.Role)
            {
                case ChatRole.System:
                    Append(text, "system", message.Content);
                    break;
                case ChatRole.User:
                    Append(text, "user", message.Content);
                    lastUser = message.Content;
                    break;
                case ChatRole.Assistant:
                    Append(text, "assistant", WithoutThinking(message.Content));
                    break;
            }
        }
        text.Append("<|im_start|>assistant\n");
        if (!ThinkingFor(lastUser, thinking)) text.Append(ThinkOpen).Append("\n\n").Append(ThinkClose).Append("\n\n");
        return text.ToString();
    }

    /// <summary>The answer part of an assistant message: what follows its think block, if it has one.</summary>
    public static string WithoutThinking(string content)
    {
        int close = content.LastIndexOf(ThinkClose, StringComparison.Ordinal);
        return close < 0 ? content : content[(close + ThinkClose.Length)..].TrimStart('\n');
    }

    private static bool ThinkingFor(string? lastUser, bool thinking)
    {
        if (lastUser is null) return thinking;
        int on = lastUser.LastIndexOf("/think", StringComparison.Ordinal);
        int off = lastUser.LastIndexOf("/no_think", StringComparison.Ordinal);
        return on > off ? true : off >= 0 ? false : thinking;
    }

    private static void Append(StringBuilder text, string role, string content) =>
        text.Append("<|im_start|>").Append(role).Append('\n').Append(content).Append("<|im_end|>\n");
}
