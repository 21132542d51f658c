namespace GroveMoE.Cpu.Generation;

/// <summary>Who wrote a <see cref="ChatTurn"/>. Named as LLamaSharp names it, so it never collides with
/// Microsoft.Extensions.AI's <c>ChatRole</c> in an app that imports both.</summary>
public enum AuthorRole
{
    /// <summary>Instructions that frame the conversation.</summary>
    System,

    /// <summary>The person talking to the model.</summary>
    User,

    /// <summary>The model.</summary>
    Assistant,

    /// <summary>The result of a tool the model called (Qwen3 writes it into a user turn as a tool response).</summary>
    Tool,
}
