namespace GroveMoE.Cpu.Generation;

public enum ChatRole
{
    System,
    User,
    Assistant,
}

/// <summary>One message of a conversation.</summary>
public sealed record ChatMessage(ChatRole Role, string Content);
