namespace GroveMoE.Cpu.Generation;

/// <summary>One message of a conversation: who wrote it and what it says.</summary>
/// <param name="Role">Who wrote it.</param>
/// <param name="Content">Its text.</param>
public sealed record ChatTurn(AuthorRole Role, string Content)
{
    /// <summary>The tools an assistant turn called, in order.</summary>
    public IReadOnlyList<ToolCall> ToolCalls { get; init; } = [];

    /// <summary>An assistant turn's reasoning, when it is kept apart from <see cref="Content"/> (else the template
    /// takes it from a think block in the content).</summary>
    public string? Reasoning { get; init; }
}
