namespace GroveMoE.Cpu.Generation;

/// <summary>What the last generation cost, for the stats line after an answer.</summary>
public sealed record GenerationStats
{
    /// <summary>Tokens in the prompt, reused ones included.</summary>
    public int PromptTokens { get; init; }

    /// <summary>Prompt tokens found in the KV cache from an earlier turn and not evaluated again.</summary>
    public int ReusedTokens { get; init; }

    /// <summary>Seconds spent evaluating the prompt, up to the first sampled token.</summary>
    public double PromptSeconds { get; init; }
    /// <summary>Tokens sampled, an end-of-turn token included.</summary>
    public int GeneratedTokens { get; init; }
    /// <summary>Seconds from the first sampled token to the end.</summary>
    public double GenerationSeconds { get; init; }

    /// <summary>Mean distinct adjugate experts run per token and layer.</summary>
    public double AdjugatesPerToken { get; init; }

    /// <summary>Parameters a token used (attention, router, routed and adjugate experts, output).</summary>
    public long ActiveParameters { get; init; }

    /// <summary>Why the generation ended.</summary>
    public FinishReason FinishReason { get; init; }

    /// <summary>Prompt tokens evaluated (reused ones excluded) per second; 0 when nothing was timed.</summary>
    public double PromptTokensPerSecond => PromptSeconds > 0 ? (PromptTokens - ReusedTokens) / PromptSeconds : 0;
    /// <summary>Tokens generated per second; 0 when nothing was timed.</summary>
    public double GenerationTokensPerSecond => GenerationSeconds > 0 ? GeneratedTokens / GenerationSeconds : 0;
}
