namespace GroveMoE.Cpu.Generation;

/// <summary>A call the model made to a tool: its name and its arguments as JSON text (an object).</summary>
public sealed record ToolCall(string Name, string Arguments)
{
    /// <summary>The id that the tool's result refers back to.</summary>
    public string? Id { get; init; }
}
