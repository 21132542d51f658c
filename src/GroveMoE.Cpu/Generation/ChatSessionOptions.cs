namespace GroveMoE.Cpu.Generation;

/// <summary>How a <see cref="ChatSession"/> talks: system prompt, thinking, and what to do when the context fills.</summary>
public sealed record ChatSessionOptions
{
    /// <summary>The system message rendered before the history; null for none.</summary>
    public string? SystemPrompt { get; init; }

    /// <summary>Qwen3's thinking mode; when off, the template adds an empty think block. The soft switches
    /// <c>/think</c> and <c>/no_think</c> in a user message override it for that turn.</summary>
    public bool Thinking { get; init; } = true;

    /// <summary>Drop the oldest turns when the history no longer fits, instead of failing.</summary>
    public bool DropOldestTurns { get; init; } = true;
}
