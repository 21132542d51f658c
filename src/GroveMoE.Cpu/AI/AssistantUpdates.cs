using System.Text.Json;
using GroveMoE.Cpu.Generation;
using Microsoft.Extensions.AI;

namespace GroveMoE.Cpu.AI;

/// <summary>
/// A piece of a tool call as it is written, in a streamed update's <see cref="ChatResponseUpdate.RawRepresentation"/>
/// (a list of them): a call's first piece has its <paramref name="Name"/>, later ones pieces of its
/// <paramref name="Arguments"/> (JSON text that adds up to the call's). The whole call still follows as a
/// <see cref="FunctionCallContent"/> with the same <paramref name="CallId"/>.
/// </summary>
public sealed record ToolCallFragment(string CallId, string? Name, string Arguments);

/// <summary>
/// The parser's parts, and the log-probabilities of the tokens they came from, as the contents of streamed updates.
/// A streamed tool call's fragments ride in the update's <see cref="ChatResponseUpdate.RawRepresentation"/> (a list of
/// <see cref="ToolCallFragment"/>), and its closing <see cref="FunctionCallContent"/> has the id its start had.
/// </summary>
internal sealed class AssistantUpdates
{
    private readonly List<TokenLogprob> _logprobs = [];
    private string? _openCall;

    public void Add(IReadOnlyList<TokenLogprob>? logprobs)
    {
        if (logprobs is not null) _logprobs.AddRange(logprobs);
    }

    /// <summary>Fills <paramref name="update"/> with <paramref name="parts"/> (then emptied) and the log-probabilities so far.</summary>
    public ChatResponseUpdate Fill(ChatResponseUpdate update, List<AssistantPart> parts)
    {
        List<ToolCallFragment>? fragments = null;
        foreach (var part in parts)
        {
            switch (part.Kind)
            {
                case AssistantPartKind.Reasoning:
                    update.Contents.Add(new TextReasoningContent(part.Text));
                    break;
                case AssistantPartKind.Content:
                    // A call block that did not parse comes back as text: the call it started is over.
                    if (part.Text.StartsWith("<tool_call>", StringComparison.Ordinal)) _openCall = null;
                    update.Contents.Add(new TextContent(part.Text));
                    break;
                case AssistantPartKind.ToolCallStart:
                    _openCall = NewCallId();
                    (fragments ??= []).Add(new ToolCallFragment(_openCall, part.Call!.Name, ""));
                    break;
                case AssistantPartKind.ToolCallArguments:
                    if (_openCall is { } open) (fragments ??= []).Add(new ToolCallFragment(open, null, part.Text));
                    break;
                default:
                    update.Contents.Add(FunctionCallContent.CreateFromParsedArguments(part.Call!.Arguments, _openCall ?? NewCallId(), part.Call.Name,
                        static json => JsonSerializer.Deserialize(json, LibraryJson.Default.DictionaryStringObject)));
                    _openCall = null;
                    break;
            }
        }
        parts.Clear();
        update.RawRepresentation = fragments;
        if (_logprobs.Count > 0)
        {
            (update.AdditionalProperties ??= [])[GroveChatClient.LogprobsKey] = _logprobs.ToArray();
            _logprobs.Clear();
        }
        return update;
    }

    private static string NewCallId() => $"call_{Guid.NewGuid():N}"[..29];
}
