namespace GroveMoE.Cpu.Model;

/// <summary>Running counts of what the forward pass did, for the stats users see.</summary>
public sealed class ForwardStats
{
    /// <summary>Token positions evaluated (prompt and generated).</summary>
    public long TokensEvaluated { get; internal set; }

    /// <summary>Adjugate experts run, summed over tokens and layers.</summary>
    public long AdjugateRuns { get; internal set; }

    /// <summary>Token-layer pairs whose mixture of experts ran.</summary>
    public long LayerTokens { get; internal set; }

    /// <summary>Mean distinct adjugate groups run per token per layer (4..8 for GroveMoE-Inst).</summary>
    public double AdjugatesPerTokenLayer => LayerTokens == 0 ? 0 : (double)AdjugateRuns / LayerTokens;

    /// <summary>Zeroes the counts.</summary>
    public void Reset()
    {
        TokensEvaluated = 0;
        AdjugateRuns = 0;
        LayerTokens = 0;
    }
}
