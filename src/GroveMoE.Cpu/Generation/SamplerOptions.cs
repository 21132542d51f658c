namespace GroveMoE.Cpu.Generation;

/// <summary>
/// How the next token is chosen from the logits. The defaults are llama.cpp's; <see cref="Temperature"/> 0 is greedy.
/// Stages run in llama.cpp's order: penalties, top-k, temperature, top-p, min-p, then a seeded draw.
/// </summary>
public sealed record SamplerOptions
{
    /// <summary>Softmax temperature; 0 picks the most likely token (greedy).</summary>
    public float Temperature { get; init; } = 0.8f;

    /// <summary>Keep only the k most likely tokens; 0 keeps all.</summary>
    public int TopK { get; init; } = 40;

    /// <summary>Keep the smallest set of tokens whose probabilities sum to at least p; 1 keeps all.</summary>
    public float TopP { get; init; } = 0.95f;

    /// <summary>Drop tokens less likely than this fraction of the most likely one; 0 keeps all.</summary>
    public float MinP { get; init; } = 0.05f;

    /// <summary>Divides positive (multiplies negative) logits of tokens seen in the last <see cref="PenaltyWindow"/>; 1 is off.</summary>
    public float RepetitionPenalty { get; init; } = 1f;

    /// <summary>Subtracted from the logit of every token seen in the window; 0 is off.</summary>
    public float PresencePenalty { get; init; }

    /// <summary>How many recent tokens the repetition and presence penalties look at.</summary>
    public int PenaltyWindow { get; init; } = 64;

    /// <summary>Same seed, same prompt, same options: same text. Null draws a seed from the clock.</summary>
    public ulong? Seed { get; init; }

    /// <summary>Always the most likely token: deterministic output.</summary>
    public static SamplerOptions Greedy { get; } = new() { Temperature = 0 };

    /// <summary>Whether sampling reduces to taking the most likely token.</summary>
    public bool IsGreedy => Temperature <= 0 || TopK == 1;

    /// <summary>Throws <see cref="ArgumentException"/> naming the first option out of range.</summary>
    public void Validate()
    {
        if (float.IsNaN(Temperature) || Temperature < 0) throw new ArgumentException($"temperature must be >= 0 (got {Temperature})", nameof(Temperature));
        if (TopK < 0) throw new ArgumentException($"top-k must be >= 0 (got {TopK})", nameof(TopK));
        if (!(TopP > 0 && TopP <= 1)) throw new ArgumentException($"top-p must be in (0, 1] (got {TopP})", nameof(TopP));
        if (!(MinP >= 0 && MinP <= 1)) throw new ArgumentException($"min-p must be in [0, 1] (got {MinP})", nameof(MinP));
        if (!(RepetitionPenalty > 0)) throw new ArgumentException($"repetition penalty must be > 0 (got {RepetitionPenalty})", nameof(RepetitionPenalty));
        if (PenaltyWindow < 0) throw new ArgumentException($"penalty window must be >= 0 (got {PenaltyWindow})", nameof(PenaltyWindow));
    }
}
