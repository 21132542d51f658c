using System.Text;
using GroveMoE.Cpu.Gguf;

namespace GroveMoE.Cpu.Generation;

/// <summary>
/// Qwen3's ChatML prompt format, written out in code: <c>&lt;|im_start|&gt;role\ncontent&lt;|im_end|&gt;\n</c> per
/// message, then the assistant header. It follows Qwen3's Jinja template (tokenizer_config.json) step for step for
/// system, user and assistant turns and is tested against that template rendered by jinja2; the GGUF's template is
/// only used to recognise the family, since a partial Jinja engine would be wrong in quieter ways. Tools are listed
/// in the system turn, an assistant's calls follow its text as &lt;tool_call&gt; blocks and tool results go back in
/// user turns as &lt;tool_response&gt; blocks, as Qwen3's template writes them.
/// </summary>
public sealed class ChatTemplate
{
    private const string Start = "<|im_start|>", End = "<|im_end|>";
    private const string ThinkOpen = "<think>", ThinkClose = "</think>";

    private ChatTemplate(bool isQwen3, string? note)
    {
        IsQwen3 = isQwen3;
        Note = note;
    }

    /// <summary>False when the model's template is not ChatML; ChatML is used anyway, the closest common format.</summary>
    public bool IsQwen3 { get; }

    /// <summary>Why the model's own template is not the one followed (none, or not ChatML), else null.</summary>
    public string? Note { get; }

    /// <summary>The template for a model's <c>tokenizer.chat_template</c> metadata (see <see cref="Detect"/>).</summary>
    public static ChatTemplate ForModel(GgufMetadata metadata) => Detect(metadata.GetStringOrNull("tokenizer.chat_template"));

    /// <summary>Recognises Qwen3's Jinja template; anything else (or null) renders as plain ChatML.</summary>
    public static ChatTemplate Detect(string? jinjaTemplate) => jinjaTemplate switch
    {
        null => new(true, "the model has no chat template; using Qwen3's ChatML"),
        _ when jinjaTemplate.Contains(Start, StringComparison.Ordinal) => new(true, null),
        _ => new(false, "the model's chat template is not ChatML; using Qwen3's ChatML anyway"),
    };

    /// <summary>
    /// The prompt for the assistant's next answer. Thinking is on unless <paramref name="thinking"/> is false or the
    /// last user message's latest soft switch is <c>/no_think</c> (see <see cref="ResolveThinking"/>); when off, the
    /// empty think block Qwen3's template writes for enable_thinking=false is appended. Assistant answers before the
    /// last user message lose their think blocks, as Qwen3's own template does.
    /// </summary>
    /// <param name="tools">Functions the model may call, listed in the system turn; none leaves it as without tools.</param>
    public string Render(string? systemPrompt, IReadOnlyList<ChatTurn> messages, bool thinking = true, IReadOnlyList<ChatTool>? tools = null)
    {
        var all = string.IsNullOrEmpty(systemPrompt)
            ? messages
            : [new ChatTurn(AuthorRole.System, systemPrompt), .. messages];
        var text = new StringBuilder();
        bool systemFirst = all.Count > 0 && all[0].Role == AuthorRole.System;
        if (tools is { Count: > 0 })
        {
            text.Append(Start).Append("system\n");
            if (systemFirst) text.Append(all[0].Content).Append("\n\n");
            text.Append("# Tools\n\nYou may call one or more functions to assist with the user query.\n\n")
                .Append("You are provided with function signatures within <tools></tools> XML tags:\n<tools>");
            foreach (var tool in tools) text.Append('\n').Append(tool.Definition());
            text.Append("\n</tools>\n\nFor each function call, return a json object with function name and arguments within ")
                .Append("<tool_call></tool_call> XML tags:\n<tool_call>\n{\"name\": <function-name>, \"arguments\": <args-json-object>}\n")
                .Append("</tool_call>").Append(End).Append('\n');
        }
        else if (systemFirst)
        {
            text.Append(Start).Append("system\n").Append(all[0].Content).Append(End).Append('\n');
        }
        AppendMessages(text, all);
        text.Append(Start).Append("assistant\n");
        if (!ResolveThinking(all, thinking)) text.Append(ThinkOpen).Append("\n\n").Append(ThinkClose).Append("\n\n");
        return text.ToString();
    }

    /// <summary>
    /// Whether the answer should think: <paramref name="thinking"/>, unless the last user message holds a Qwen3 soft
    /// switch, <c>/think</c> or <c>/no_think</c>, in which case the later one decides.
    /// </summary>
    public static bool ResolveThinking(IReadOnlyList<ChatTurn> messages, bool thinking)
    {
        for (int i = messages.Count - 1; i >= 0; i--)
        {
            if (messages[i].Role != AuthorRole.User) continue;
            string content = messages[i].Content;
            int on = content.LastIndexOf("/think", StringComparison.Ordinal);
            int off = content.LastIndexOf("/no_think", StringComparison.Ordinal);
            return on < 0 && off < 0 ? thinking : on > off;
        }
        return thinking;
    }

    /// <summary>The answer part of an assistant message: what follows its last <c>&lt;/think&gt;</c>, if it has one.</summary>
    public static string WithoutThinking(string content) => Split(content).Answer;

    private static void AppendMessages(StringBuilder text, IReadOnlyList<ChatTurn> messages)
    {
        // The last real user query (tool results come back as user turns wrapped in <tool_response>): assistant
        // turns before it lose their reasoning, later ones keep it.
        int lastQuery = messages.Count - 1;
        for (int i = messages.Count - 1; i >= 0; i--)
        {
            var m = messages[i];
            if (m.Role == AuthorRole.User && !(m.Content.StartsWith("<tool_response>", StringComparison.Ordinal)
                                             && m.Content.EndsWith("</tool_response>", StringComparison.Ordinal)))
            {
                lastQuery = i;
                break;
            }
        }

        for (int i = 0; i < messages.Count; i++)
        {
            var m = messages[i];
            switch (m.Role)
            {
                case AuthorRole.System when i == 0:
                    break; // written above, with the tools
                case AuthorRole.User or AuthorRole.System:
                    text.Append(Start).Append(m.Role == AuthorRole.User ? "user" : "system").Append('\n')
                        .Append(m.Content).Append(End).Append('\n');
                    break;
                case AuthorRole.Tool:
                    // Consecutive tool results share one user turn.
                    if (i == 0 || messages[i - 1].Role != AuthorRole.Tool) text.Append(Start).Append("user");
                    text.Append("\n<tool_response>\n").Append(m.Content).Append("\n</tool_response>");
                    if (i == messages.Count - 1 || messages[i + 1].Role != AuthorRole.Tool) text.Append(End).Append('\n');
                    break;
                default:
                    AppendAssistant(text, m, i > lastQuery, i == messages.Count - 1);
                    break;
            }
        }
    }

    private static void AppendAssistant(StringBuilder text, ChatTurn m, bool afterLastQuery, bool isLast)
    {
        var (reasoning, answer) = m.Reasoning is { } kept ? (kept, m.Content) : Split(m.Content);
        text.Append(Start).Append("assistant\n");
        if (afterLastQuery && (isLast || reasoning.Length > 0))
        {
            text.Append(ThinkOpen).Append('\n').Append(reasoning.Trim('\n')).Append('\n')
                .Append(ThinkClose).Append("\n\n").Append(answer.TrimStart('\n'));
        }
        else
        {
            text.Append(answer);
        }
        for (int c = 0; c < m.ToolCalls.Count; c++)
        {
            if (c > 0 || answer.Length > 0) text.Append('\n');
            text.Append("<tool_call>\n{\"name\": \"").Append(m.ToolCalls[c].Name).Append("\", \"arguments\": ")
                .Append(m.ToolCalls[c].Arguments).Append("}\n</tool_call>");
        }
        text.Append(End).Append('\n');
    }

    /// <summary>
    /// An assistant message's reasoning and answer as Qwen3's template splits them:
    /// answer = content.split('&lt;/think&gt;')[-1].lstrip('\n'),
    /// reasoning = content.split('&lt;/think&gt;')[0].rstrip('\n').split('&lt;think&gt;')[-1].lstrip('\n').
    /// </summary>
    private static (string Reasoning, string Answer) Split(string content)
    {
        int firstClose = content.IndexOf(ThinkClose, StringComparison.Ordinal);
        if (firstClose < 0) return ("", content);
        string before = content[..firstClose].TrimEnd('\n');
        int open = before.LastIndexOf(ThinkOpen, StringComparison.Ordinal);
        string reasoning = (open >= 0 ? before[(open + ThinkOpen.Length)..] : before).TrimStart('\n');
        string answer = content[(content.LastIndexOf(ThinkClose, StringComparison.Ordinal) + ThinkClose.Length)..].TrimStart('\n');
        return (reasoning, answer);
    }
}
