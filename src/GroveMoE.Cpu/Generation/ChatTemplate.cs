using System.Text;
using GroveMoE.Cpu.Gguf;

namespace GroveMoE.Cpu.Generation;

public enum ChatTemplateFamily
{
    /// <summary>Qwen3's ChatML with &lt;think&gt; reasoning blocks (GroveMoE's template).</summary>
    Qwen3,

    /// <summary>Plain ChatML: <c>&lt;|im_start|&gt;role\ncontent&lt;|im_end|&gt;\n</c> per turn.</summary>
    ChatML,
}

/// <summary>
/// Renders a conversation into prompt text the way the model's Jinja chat template (tokenizer.chat_template) does,
/// for the template families GroveMoE uses, without a Jinja engine. Tool calls are not supported.
/// </summary>
public sealed class ChatTemplate
{
    private const string Start = "<|im_start|>", End = "<|im_end|>";
    private const string ThinkOpen = "<think>", ThinkClose = "</think>";
    private const string NoThinkSwitch = "/no_think", ThinkSwitch = "/think";

    private ChatTemplate(ChatTemplateFamily family, string? note)
    {
        Family = family;
        Note = note;
    }

    public ChatTemplateFamily Family { get; }

    /// <summary>Why the family was chosen when the file's template was not recognised, else null.</summary>
    public string? Note { get; }

    public static ChatTemplate FromMetadata(GgufMetadata metadata) =>
        Detect(metadata.GetStringOrNull("tokenizer.chat_template"));

    /// <summary>The family of a Jinja chat template; anything unrecognised falls back to ChatML with a <see cref="Note"/>.</summary>
    public static ChatTemplate Detect(string? jinjaTemplate)
    {
        if (jinjaTemplate is null)
            return new(ChatTemplateFamily.ChatML, "the model has no chat template; using ChatML");
        if (!jinjaTemplate.Contains(Start, StringComparison.Ordinal))
            return new(ChatTemplateFamily.ChatML, "the model's chat template is not ChatML-based; using ChatML anyway");
        bool thinks = jinjaTemplate.Contains(ThinkOpen, StringComparison.Ordinal)
            || jinjaTemplate.Contains("enable_thinking", StringComparison.Ordinal);
        return new(thinks ? ChatTemplateFamily.Qwen3 : ChatTemplateFamily.ChatML, null);
    }

    /// <summary>
    /// Whether the reply should think: <paramref name="enableThinking"/> unless the last user message holds a
    /// Qwen3 soft switch, <c>/think</c> or <c>/no_think</c> (the later one wins).
    /// </summary>
    public static bool ResolveThinking(IReadOnlyList<ChatMessage> messages, bool enableThinking)
    {
        for (int i = messages.Count - 1; i >= 0; i--)
        {
            if (messages[i].Role != ChatRole.User) continue;
            string content = messages[i].Content;
            int off = content.LastIndexOf(NoThinkSwitch, StringComparison.Ordinal);
            int on = content.LastIndexOf(ThinkSwitch, StringComparison.Ordinal);
            return off < 0 && on < 0 ? enableThinking : on > off;
        }
        return enableThinking;
    }

    /// <summary>
    /// The prompt for the model's next reply: every message, then the assistant header. With thinking off (after
    /// soft switches) a Qwen3 prompt ends in an empty think block, as Qwen3's template does for enable_thinking=false.
    /// </summary>
    public string Render(IReadOnlyList<ChatMessage> messages, bool enableThinking = true)
    {
        var prompt = new StringBuilder();
        if (Family == ChatTemplateFamily.Qwen3) RenderQwen3(messages, prompt);
        else RenderChatML(messages, prompt);
        prompt.Append(Start).Append("assistant\n");
        if (Family == ChatTemplateFamily.Qwen3 && !ResolveThinking(messages, enableThinking))
            prompt.Append(ThinkOpen).Append("\n\n").Append(ThinkClose).Append("\n\n");
        return prompt.ToString();
    }

    private static void RenderChatML(IReadOnlyList<ChatMessage> messages, StringBuilder prompt)
    {
        foreach (var message in messages)
            prompt.Append(Start).Append(message.RoleName).Append('\n').Append(message.Content).Append(End).Append('\n');
    }

    /// <summary>Qwen3's template (tokenizer_config.json) for system, user and assistant turns, step for step.</summary>
    private static void RenderQwen3(IReadOnlyList<ChatMessage> messages, StringBuilder prompt)
    {
        // The last real user query; assistant turns before it lose their reasoning, later ones keep it.
        int lastQuery = messages.Count - 1;
        for (int i = messages.Count - 1; i >= 0; i--)
        {
            var m = messages[i];
            if (m.Role == ChatRole.User && !(m.Content.StartsWith("<tool_response>", StringComparison.Ordinal)
                                             && m.Content.EndsWith("</tool_response>", StringComparison.Ordinal)))
            {
                lastQuery = i;
                break;
            }
        }

        for (int i = 0; i < messages.Count; i++)
        {
            var m = messages[i];
            if (m.Role != ChatRole.Assistant)
            {
                prompt.Append(Start).Append(m.RoleName).Append('\n').Append(m.Content).Append(End).Append('\n');
                continue;
            }
            string content = m.Content, reasoning = "";
            int close = content.IndexOf(ThinkClose, StringComparison.Ordinal);
            if (close >= 0)
            {
                // content.split('</think>')[0].rstrip('\n').split('<think>')[-1].lstrip('\n')
                string before = content[..close].TrimEnd('\n');
                int open = before.LastIndexOf(ThinkOpen, StringComparison.Ordinal);
                reasoning = (open >= 0 ? before[(open + ThinkOpen.Length)..] : before).TrimStart('\n');
                // content.split('</think>')[-1].lstrip('\n')
                content = content[(content.LastIndexOf(ThinkClose, StringComparison.Ordinal) + ThinkClose.Length)..].TrimStart('\n');
            }
            prompt.Append(Start).Append("assistant\n");
            if (i > lastQuery && (i == messages.Count - 1 || reasoning.Length > 0))
                prompt.Append(ThinkOpen).Append('\n').Append(reasoning.Trim('\n')).Append('\n').Append(ThinkClose).Append("\n\n").Append(content.TrimStart('\n'));
            else
                prompt.Append(content);
            prompt.Append(End).Append('\n');
        }
    }
}
