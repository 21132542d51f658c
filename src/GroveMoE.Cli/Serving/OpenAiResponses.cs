namespace GroveMoE.Cli.Serving;

// The response bodies grove serve writes, in OpenAI's shapes (snake_case on the wire).

internal sealed record ChatCompletion(string Id, long Created, string Model, IReadOnlyList<ChatChoice> Choices, Usage Usage)
{
    public string Object => "chat.completion";
}

internal sealed record ChatChoice(int Index, AssistantMessage Message, string? FinishReason, ChoiceLogprobs? Logprobs = null);

/// <summary>OpenAI's <c>logprobs</c> of a choice or chunk: one entry per generated token.</summary>
internal sealed record ChoiceLogprobs(IReadOnlyList<LogprobEntry> Content);

internal sealed record LogprobEntry(string Token, float Logprob, IReadOnlyList<int> Bytes, IReadOnlyList<TopLogprob> TopLogprobs);

internal sealed record TopLogprob(string Token, float Logprob, IReadOnlyList<int> Bytes);

internal sealed record AssistantMessage(string? Content, IReadOnlyList<ToolCallBody>? ToolCalls = null, string? ReasoningContent = null)
{
    public string Role => "assistant";
}

internal sealed record ToolCallBody(string Id, FunctionBody Function)
{
    public string Type => "function";
}

internal sealed record FunctionBody(string Name, string Arguments);

/// <summary>A tool call in a stream: the first chunk has its id and name, later ones fragments of its arguments.</summary>
internal sealed record ToolCallDelta(int Index, string? Id, string? Type, FunctionDelta Function);

internal sealed record FunctionDelta(string? Name, string? Arguments);

internal sealed record ChatCompletionChunk(string Id, long Created, string Model, IReadOnlyList<ChunkChoice> Choices, Usage? Usage = null)
{
    public string Object => "chat.completion.chunk";
}

internal sealed record ChunkChoice(int Index, Delta Delta, string? FinishReason, ChoiceLogprobs? Logprobs = null);

internal sealed record Delta(string? Role = null, string? Content = null, string? ReasoningContent = null,
    IReadOnlyList<ToolCallDelta>? ToolCalls = null);

internal sealed record TextCompletion(string Id, long Created, string Model, IReadOnlyList<TextChoice> Choices, Usage? Usage = null)
{
    public string Object => "text_completion";
}

internal sealed record TextChoice(int Index, string Text, string? FinishReason, LegacyLogprobs? Logprobs = null);

/// <summary>The legacy completions' <c>logprobs</c>: parallel lists, one entry per generated token.</summary>
internal sealed record LegacyLogprobs(IReadOnlyList<string> Tokens, IReadOnlyList<float> TokenLogprobs,
    IReadOnlyList<Dictionary<string, float>> TopLogprobs, IReadOnlyList<int> TextOffset)
{
    /// <summary><paramref name="tokens"/> in this shape, offsets counted from <paramref name="offset"/> characters into the answer.</summary>
    public static LegacyLogprobs Of(IReadOnlyList<GroveMoE.Cpu.Generation.TokenLogprob> tokens, int offset)
    {
        var offsets = new List<int>(tokens.Count);
        foreach (var token in tokens)
        {
            offsets.Add(offset);
            offset += token.Text.Length;
        }
        return new LegacyLogprobs(tokens.Select(t => t.Text).ToList(), tokens.Select(t => t.Logprob).ToList(),
            tokens.Select(t => t.Top.GroupBy(a => a.Text).ToDictionary(g => g.Key, g => g.First().Logprob)).ToList(), offsets);
    }
}

internal sealed record Usage(int PromptTokens, int CompletionTokens, PromptTokensDetails PromptTokensDetails)
{
    public int TotalTokens => PromptTokens + CompletionTokens;
}

internal sealed record PromptTokensDetails(int CachedTokens);

internal sealed record ModelList(IReadOnlyList<ModelEntry> Data)
{
    public string Object => "list";
}

internal sealed record ModelEntry(string Id, long Created, string OwnedBy)
{
    public string Object => "model";
}

internal sealed record ErrorBody(ErrorDetail Error);

internal sealed record ErrorDetail(string Message, string Type, string? Param = null, string? Code = null);
