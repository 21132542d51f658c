namespace GroveMoE.Cpu.AI;

/// <summary>
/// Settings of one <see cref="GroveChatClient"/> request that <see cref="Microsoft.Extensions.AI.ChatOptions"/> has no
/// property for, handed over as its raw representation:
/// <c>new ChatOptions { RawRepresentationFactory = _ => new GroveRequestOptions { Thinking = false } }</c>.
/// Null leaves the client's default (<see cref="GroveChatClientOptions"/>). Immutable, so one instance may be shared.
/// </summary>
public sealed record GroveRequestOptions
{
    /// <summary>Qwen3's thinking mode for this request.</summary>
    public bool? Thinking { get; init; }

    /// <summary>Min-p sampling: drop tokens below this fraction of the most likely token's probability (0 = off).</summary>
    public float? MinP { get; init; }

    /// <summary>The repetition penalty on recently generated tokens (1 = off).</summary>
    public float? RepetitionPenalty { get; init; }

    /// <summary>Keep generating past end-of-text tokens, as llama.cpp's ignore_eos.</summary>
    public bool? IgnoreEos { get; init; }

    /// <summary>Each generated token's log-probability with this many most likely alternatives (0 to 20), in the
    /// updates' <c>AdditionalProperties</c> under <see cref="GroveChatClient.LogprobsKey"/>; null computes none.</summary>
    public int? TopLogprobs { get; init; }

    /// <summary>When the answer must end (<see cref="Generation.GenerationOptions.Deadline"/>): past it, it ends with finish
    /// reason length and its usage, where a cancellation would throw.</summary>
    public DateTimeOffset? Deadline { get; init; }
}
