namespace GroveMoE.Cpu.Generation;

/// <summary>Why a generation ended.</summary>
public enum FinishReason
{
    /// <summary>The model produced an end-of-turn token or a stop sequence.</summary>
    Stop,

    /// <summary><see cref="GenerationOptions.MaxTokens"/> reached.</summary>
    Length,

    /// <summary>The context is full.</summary>
    ContextFull,

    /// <summary>The caller cancelled.</summary>
    Cancelled,
}
