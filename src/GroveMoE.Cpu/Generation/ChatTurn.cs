namespace GroveMoE.Cpu.Generation;

/// <summary>One message of a conversation: who wrote it and what it says.</summary>
/// <param name="Role">Who wrote it.</param>
/// <param name="Content">Its text.</param>
public sealed record ChatTurn(AuthorRole Role, string Content);
