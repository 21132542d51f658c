namespace GroveMoE.Cpu.Grammar;

/// <summary>A grammar that cannot constrain generation (no finite sentence, left recursion).</summary>
public class GrammarException(string message) : Exception(message);

/// <summary>A JSON Schema that cannot be compiled: not JSON, invalid, or using a keyword that is not supported.</summary>
public sealed class JsonSchemaException(string message, string? keyword) : GrammarException(message)
{
    /// <summary>The keyword at fault, when one is.</summary>
    public string? Keyword { get; } = keyword;
}
