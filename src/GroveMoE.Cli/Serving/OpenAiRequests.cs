using System.Text.Json;

namespace GroveMoE.Cli.Serving;

// The request bodies of OpenAI's API that grove serve reads. Fields it does not know (cache_prompt, keep_alive, ...
// that other servers' clients send) are ignored, as llama-server and ollama ignore them (grove serve -v names them); the ones grove cannot
// honour are refused in RequestMapping.

internal sealed record ChatCompletionRequest
{
    public string? Model { get; init; }
    public List<RequestMessage>? Messages { get; init; }
    public bool? Stream { get; init; }
    public StreamOptions? StreamOptions { get; init; }
    public int? MaxTokens { get; init; }
    public int? MaxCompletionTokens { get; init; }
    public float? Temperature { get; init; }
    public float? TopP { get; init; }
    public JsonElement? Stop { get; init; }
    public long? Seed { get; init; }
    public float? PresencePenalty { get; init; }
    public float? FrequencyPenalty { get; init; }
    public int? N { get; init; }
    public JsonElement? Tools { get; init; }
    public JsonElement? ToolChoice { get; init; }
    public bool? ParallelToolCalls { get; init; }
    public JsonElement? Functions { get; init; }
    public JsonElement? FunctionCall { get; init; }
    public JsonElement? ResponseFormat { get; init; }
    public bool? Logprobs { get; init; }
    public int? TopLogprobs { get; init; }
    public JsonElement? LogitBias { get; init; }
    public string? User { get; init; }
    public JsonElement? Metadata { get; init; }
    public bool? Store { get; init; }
    public string? ReasoningEffort { get; init; }
    public string? ServiceTier { get; init; }
    public JsonElement? Modalities { get; init; }
    public JsonElement? Audio { get; init; }
    public JsonElement? Prediction { get; init; }
    public JsonElement? WebSearchOptions { get; init; }
    public string? Verbosity { get; init; }
    public string? PromptCacheKey { get; init; }
    public string? SafetyIdentifier { get; init; }

    // llama.cpp's extensions, which clients of local servers commonly send.
    public int? TopK { get; init; }
    public float? MinP { get; init; }
    public float? RepeatPenalty { get; init; }
    public bool? EnableThinking { get; init; }
    public ChatTemplateKwargs? ChatTemplateKwargs { get; init; }
    public bool? IgnoreEos { get; init; }
    public int? NProbs { get; init; }
}

internal sealed record ChatTemplateKwargs
{
    public bool? EnableThinking { get; init; }
}

internal sealed record StreamOptions
{
    public bool? IncludeUsage { get; init; }
    public bool? IncludeObfuscation { get; init; }
}

internal sealed record RequestMessage
{
    public string? Role { get; init; }

    /// <summary>A string, or an array of content parts of which only text parts are supported.</summary>
    public JsonElement? Content { get; init; }

    public string? Name { get; init; }
    public JsonElement? ToolCalls { get; init; }
    public string? ToolCallId { get; init; }
    public JsonElement? FunctionCall { get; init; }
    public string? Refusal { get; init; }
    public JsonElement? Audio { get; init; }
    public string? ReasoningContent { get; init; }
}

internal sealed record CompletionRequest
{
    public string? Model { get; init; }

    /// <summary>A string, or an array holding one string.</summary>
    public JsonElement? Prompt { get; init; }

    public bool? Stream { get; init; }
    public StreamOptions? StreamOptions { get; init; }
    public int? MaxTokens { get; init; }
    public float? Temperature { get; init; }
    public float? TopP { get; init; }
    public JsonElement? Stop { get; init; }
    public long? Seed { get; init; }
    public float? PresencePenalty { get; init; }
    public float? FrequencyPenalty { get; init; }
    public int? N { get; init; }
    public int? BestOf { get; init; }
    public bool? Echo { get; init; }
    public int? Logprobs { get; init; }
    public JsonElement? LogitBias { get; init; }
    public string? Suffix { get; init; }
    public string? User { get; init; }
    public int? TopK { get; init; }
    public float? MinP { get; init; }
    public float? RepeatPenalty { get; init; }
    public int? NProbs { get; init; }
}
