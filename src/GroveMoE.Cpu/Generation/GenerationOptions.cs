namespace GroveMoE.Cpu.Generation;

/// <summary>What one generation call may do: how many tokens, when to stop, how to sample.</summary>
public sealed record GenerationOptions
{
    /// <summary>Most tokens to generate; the context length bounds it too.</summary>
    public int MaxTokens { get; init; } = 512;

    /// <summary>Texts that end the answer when generated; they are not part of the answer.</summary>
    public IReadOnlyList<string> StopSequences { get; init; } = [];

    /// <summary>How the next token is chosen from the logits.</summary>
    public SamplerOptions Sampler { get; init; } = new();

    /// <summary>Never sample an end-of-text token (llama.cpp's ignore_eos): the answer runs to <see cref="MaxTokens"/>,
    /// a stop sequence, or the end of a grammar's sentence.</summary>
    public bool IgnoreEos { get; init; }

    /// <summary>When set, each generated token's log-probability comes with the text, with this many most likely
    /// alternatives (0 to <see cref="MaxTopLogprobs"/>); null computes none.</summary>
    public int? TopLogprobs { get; init; }

    /// <summary>The most alternatives <see cref="TopLogprobs"/> may ask for (OpenAI's limit).</summary>
    public const int MaxTopLogprobs = 20;

    /// <summary>What the answer must be (say, JSON valid under a schema); null lets the model write anything. The
    /// answer ends as soon as it is complete and nothing may follow.</summary>
    public Grammar.CompiledGrammar? Grammar { get; init; }

    /// <summary>When the answer must end: a token due after it is not generated and the answer ends as if
    /// <see cref="MaxTokens"/> were reached (<see cref="FinishReason.Length"/>), with its statistics, unlike a
    /// cancellation. Null: no limit. A server's per-request timeout.</summary>
    public DateTimeOffset? Deadline { get; init; }
}
