namespace GroveMoE.Cpu.Model;

/// <summary>Running counts of what the forward pass did, for the stats users see.</summary>
public sealed class ForwardStats
{
    public long TokensEvaluated { get; internal set; }

    /// <summary>Adjugate experts run, summed over tokens and layers.</summary>
    public long AdjugateRuns { get; internal set; }

    public long LayerTokens { get; internal set; }

    /// <summary>Mean distinct adjugate groups run per token per layer (4..8 for GroveMoE-Inst).</summary>
    public double AdjugatesPerTokenLayer => LayerTokens == 0 ? 0 : (double)AdjugateRuns / LayerTokens;

    public void Reset()
    {
        TokensEvaluated = 0;
        AdjugateRuns = 0;
        LayerTokens = 0;
    }
}
