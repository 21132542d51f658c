namespace GroveMoE.Cpu.Generation;

public enum ChatRole
{
    System,
    User,
    Assistant,
}

/// <summary>One turn of a conversation.</summary>
public readonly record struct ChatMessage(ChatRole Role, string Content)
{
    public static ChatMessage System(string content) => new(ChatRole.System, content);
    public static ChatMessage User(string content) => new(ChatRole.User, content);
    public static ChatMessage Assistant(string content) => new(ChatRole.Assistant, content);

    internal string RoleName => Role switch
    {
        ChatRole.System => "system",
        ChatRole.User => "user",
        _ => "assistant",
    };
}
