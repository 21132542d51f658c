using GroveMoE.Cpu.Generation;

namespace GroveMoE.Cpu.AI;

/// <summary>How a <see cref="GroveChatClient"/> serves requests when their <c>ChatOptions</c> leave something unset.</summary>
public sealed record GroveChatClientOptions
{
    /// <summary>Requests that may generate at once, each on its own session; later ones wait in arrival order.</summary>
    public int MaxConcurrentRequests { get; init; } = 1;

    /// <summary>Each session's context length, threads and batch size; default: the model's.</summary>
    public SessionOptions? Session { get; init; }

    /// <summary>Token limit, stop sequences and sampling used where a request does not set its own.</summary>
    public GenerationOptions Generation { get; init; } = new();

    /// <summary>Qwen3's thinking mode when a request does not set <c>enable_thinking</c>.</summary>
    public bool Thinking { get; init; } = true;
}
