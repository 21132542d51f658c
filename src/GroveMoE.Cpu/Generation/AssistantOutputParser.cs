using System.Text;
using System.Text.Json;

namespace GroveMoE.Cpu.Generation;

/// <summary>What the model wrote, taken apart: reasoning, answer text, or one tool call.</summary>
public readonly record struct AssistantPart(AssistantPartKind Kind, string Text, ToolCall? Call = null);

/// <summary>What an <see cref="AssistantPart"/> holds.</summary>
public enum AssistantPartKind
{
    /// <summary>Text of the think block.</summary>
    Reasoning,
    /// <summary>Answer text.</summary>
    Content,
    /// <summary>A whole tool call (<see cref="AssistantPart.Call"/>); when it was streamed, it closes the call that
    /// <see cref="ToolCallStart"/> opened.</summary>
    ToolCall,

    /// <summary>A tool call has begun: <see cref="AssistantPart.Call"/> has its name and no arguments yet.</summary>
    ToolCallStart,

    /// <summary>The next piece of the open tool call's arguments (<see cref="AssistantPart.Text"/>); the pieces add up
    /// to the <see cref="ToolCall.Arguments"/> of the <see cref="ToolCall"/> part that follows.</summary>
    ToolCallArguments,
}

/// <summary>
/// Splits Qwen3's output as it streams: a leading <c>&lt;think&gt;…&lt;/think&gt;</c> block is reasoning, each
/// <c>&lt;tool_call&gt;{"name": …, "arguments": …}&lt;/tool_call&gt;</c> block is a call, the rest is the answer. Text
/// that may be the start of a tag is held back until it is known not to be; a block whose JSON does not parse stays
/// in the answer as written. Whitespace next to tool calls is dropped, as the template adds it. A call written as
/// <c>{"name": …, "arguments": {…</c> streams: its start once the name is known, then its arguments as they come
/// (never the closing brace that may be the call's own).
/// </summary>
public sealed partial class AssistantOutputParser(bool reasoningFirst, bool parseToolCalls)
{
    private const string ThinkOpen = "<think>", ThinkClose = "</think>", CallOpen = "<tool_call>", CallClose = "</tool_call>";

    private readonly StringBuilder _pending = new();
    private Mode _mode = reasoningFirst ? Mode.Start : Mode.Content;
    private bool _skipNewlines;
    private int _calls;
    private bool _streaming; // the open call's start went out
    private int _argumentsSent; // how much of the open call's arguments went out

    private enum Mode { Start, Reasoning, Content }

    /// <summary>How many tool calls came out so far.</summary>
    public int ToolCalls => _calls;

    /// <summary>Adds a streamed piece and appends to <paramref name="output"/> the parts now known to be complete.</summary>
    public void Push(string piece, List<AssistantPart> output)
    {
        _pending.Append(piece);
        while (Step(output, final: false)) { }
    }

    /// <summary>The end of the output: what was held back comes out as what it is.</summary>
    public void Flush(List<AssistantPart> output)
    {
        while (Step(output, final: true)) { }
        string rest = _pending.ToString();
        _pending.Clear();
        if (_mode == Mode.Reasoning) Emit(output, AssistantPartKind.Reasoning, rest.TrimEnd('\n'));
        else if (_calls == 0 || rest.Trim().Length > 0) Emit(output, AssistantPartKind.Content, _calls > 0 ? rest.Trim() : rest);
    }

    /// <summary>Takes what can be decided from the pending text; false when it must wait for more.</summary>
    private bool Step(List<AssistantPart> output, bool final)
    {
        string text = _pending.ToString();
        if (_skipNewlines)
        {
            int skip = 0;
            while (skip < text.Length && text[skip] == '\n') skip++;
            _pending.Remove(0, skip);
            text = text[skip..];
            if (text.Length == 0) return false;
            _skipNewlines = false;
        }
        switch (_mode)
        {
            case Mode.Start:
            {
                string head = text.TrimStart();
                if (head.StartsWith(ThinkOpen, StringComparison.Ordinal))
                {
                    _pending.Remove(0, text.Length - head.Length + ThinkOpen.Length);
                    _mode = Mode.Reasoning;
                    _skipNewlines = true;
                    return true;
                }
                if (!final && ThinkOpen.StartsWith(head, StringComparison.Ordinal)) return false;
                _mode = Mode.Content;
                return true;
            }
            case Mode.Reasoning:
            {
                int close = text.IndexOf(ThinkClose, StringComparison.Ordinal);
                if (close >= 0)
                {
                    Emit(output, AssistantPartKind.Reasoning, text[..close].TrimEnd('\n'));
                    _pending.Remove(0, close + ThinkClose.Length);
                    _mode = Mode.Content;
                    _skipNewlines = true;
                    return true;
                }
                int safe = SafeLength(text, ThinkClose, holdNewlines: true);
                Emit(output, AssistantPartKind.Reasoning, text[..safe]);
                _pending.Remove(0, safe);
                return false;
            }
            default:
            {
                if (!parseToolCalls)
                {
                    Emit(output, AssistantPartKind.Content, text);
                    _pending.Clear();
                    return false;
                }
                int open = text.IndexOf(CallOpen, StringComparison.Ordinal);
                if (open < 0)
                {
                    int safe = final ? text.Length : SafeLength(text, CallOpen, holdNewlines: false);
                    if (!final) safe = text[..safe].TrimEnd().Length; // whitespace before a call is the template's
                    Emit(output, AssistantPartKind.Content, text[..safe]);
                    _pending.Remove(0, safe);
                    return false;
                }
                int close = text.IndexOf(CallClose, open, StringComparison.Ordinal);
                if (close < 0)
                {
                    string before = text[..open].TrimEnd();
                    Emit(output, AssistantPartKind.Content, before);
                    _pending.Remove(0, open);
                    StreamCall(text[(open + CallOpen.Length)..], output);
                    return false;
                }
                Emit(output, AssistantPartKind.Content, text[..open].TrimEnd());
                string block = text[open..(close + CallClose.Length)];
                if (Parse(block[CallOpen.Length..^CallClose.Length]) is { } call)
                {
                    if (_streaming && call.Arguments.Length > _argumentsSent)
                        output.Add(new AssistantPart(AssistantPartKind.ToolCallArguments, call.Arguments[_argumentsSent..]));
                    output.Add(new AssistantPart(AssistantPartKind.ToolCall, block, call));
                    _calls++;
                }
                else
                {
                    Emit(output, AssistantPartKind.Content, block);
                }
                _streaming = false;
                _pending.Remove(0, close + CallClose.Length);
                _skipNewlines = true;
                return true;
            }
        }
    }

    /// <summary>
    /// The open call's start and new arguments from <paramref name="body"/>, the text after <c>&lt;tool_call&gt;</c>
    /// so far. Arguments go out up to the last <c>}</c> (which may close the call rather than the arguments), trailing
    /// whitespace held back, so what went out is always a prefix of the arguments' text.
    /// </summary>
    private void StreamCall(string body, List<AssistantPart> output)
    {
        var header = CallHeader().Match(body);
        if (!header.Success) return;
        if (!_streaming)
        {
            string name;
            try
            {
                name = JsonSerializer.Deserialize(header.Groups[1].Value, LibraryJson.Default.String)!;
            }
            catch (JsonException)
            {
                return;
            }
            output.Add(new AssistantPart(AssistantPartKind.ToolCallStart, "", new ToolCall(name, "")));
            _streaming = true;
            _argumentsSent = 0;
        }
        string arguments = body[header.Length..];
        int end = arguments.LastIndexOf('}');
        string safe = (end < 0 ? arguments : arguments[..end]).TrimEnd();
        if (safe.Length <= _argumentsSent) return;
        output.Add(new AssistantPart(AssistantPartKind.ToolCallArguments, safe[_argumentsSent..]));
        _argumentsSent = safe.Length;
    }

    /// <summary>A call's opening up to its arguments object: <c>{"name": "…", "arguments": </c> before a <c>{</c>.</summary>
    [System.Text.RegularExpressions.GeneratedRegex("""^\s*\{\s*"name"\s*:\s*("(?:[^"\\]|\\.)*")\s*,\s*"arguments"\s*:\s*(?=\{)""")]
    private static partial System.Text.RegularExpressions.Regex CallHeader();

    /// <summary>How much of <paramref name="text"/> cannot be the start of <paramref name="tag"/> (or trailing newlines).</summary>
    private static int SafeLength(string text, string tag, bool holdNewlines)
    {
        int safe = text.Length;
        for (int n = Math.Min(tag.Length - 1, text.Length); n > 0; n--)
        {
            if (text.AsSpan(text.Length - n).SequenceEqual(tag.AsSpan(0, n)))
            {
                safe = text.Length - n;
                break;
            }
        }
        if (holdNewlines) while (safe > 0 && text[safe - 1] == '\n') safe--;
        return safe;
    }

    private static void Emit(List<AssistantPart> output, AssistantPartKind kind, string text)
    {
        if (text.Length > 0) output.Add(new AssistantPart(kind, text));
    }

    /// <summary>{"name": "...", "arguments": {...}} (arguments may also be a JSON string holding the object).</summary>
    public static ToolCall? Parse(string json)
    {
        try
        {
            using var document = JsonDocument.Parse(json);
            var root = document.RootElement;
            if (root.ValueKind != JsonValueKind.Object || !root.TryGetProperty("name", out var name) || name.ValueKind != JsonValueKind.String)
                return null;
            string arguments = "{}";
            if (root.TryGetProperty("arguments", out var args))
            {
                arguments = args.ValueKind switch
                {
                    JsonValueKind.Object => args.GetRawText(),
                    JsonValueKind.String => args.GetString()!,
                    _ => "{}",
                };
            }
            return new ToolCall(name.GetString()!, arguments);
        }
        catch (JsonException)
        {
            return null;
        }
    }
}
