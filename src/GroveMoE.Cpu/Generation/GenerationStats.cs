namespace GroveMoE.Cpu.Generation;

/// <summary>What the last generation cost, for the stats line after an answer.</summary>
public sealed record GenerationStats
{
    public int PromptTokens { get; init; }

    /// <summary>Prompt tokens found in the KV cache from an earlier turn and not evaluated again.</summary>
    public int ReusedTokens { get; init; }

    public double PromptSeconds { get; init; }
    public int GeneratedTokens { get; init; }
    public double GenerationSeconds { get; init; }

    /// <summary>Mean distinct adjugate experts run per token and layer.</summary>
    public double AdjugatesPerToken { get; init; }

    /// <summary>Parameters a token used (attention, router, routed and adjugate experts, output).</summary>
    public long ActiveParameters { get; init; }

    public FinishReason FinishReason { get; init; }

    public double PromptTokensPerSecond => PromptSeconds > 0 ? (PromptTokens - ReusedTokens) / PromptSeconds : 0;
    public double GenerationTokensPerSecond => GenerationSeconds > 0 ? GeneratedTokens / GenerationSeconds : 0;
}
