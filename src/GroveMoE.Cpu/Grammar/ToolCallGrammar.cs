using System.Text.Json;
using GroveMoE.Cpu.Generation;

namespace GroveMoE.Cpu.Grammar;

/// <summary>
/// Tool calls as Qwen3 writes them, <c>&lt;tool_call&gt;\n{"name": "NAME", "arguments": ARGS}\n&lt;/tool_call&gt;</c>,
/// where NAME is one of the tools and ARGS is valid under that tool's parameter schema: what <c>tool_choice:
/// required</c> or a named function forces. With <c>parallel</c>, one or more calls, a newline apart.
/// </summary>
public static class ToolCallGrammar
{
    /// <summary>Throws <see cref="JsonSchemaException"/> naming the tool whose parameter schema cannot be compiled.</summary>
    public static CompiledGrammar For(IReadOnlyList<ChatTool> tools, bool parallel)
    {
        if (tools.Count == 0) throw new ArgumentException("a tool call needs at least one tool", nameof(tools));
        var builder = new GrammarBuilder();
        var calls = new List<Symbol[]>();
        foreach (var tool in tools)
        {
            Symbol arguments;
            try
            {
                arguments = JsonSchemaCompiler.Into(builder, tool.Parameters.ValueKind == JsonValueKind.Undefined
                    ? JsonDocument.Parse("""{"type":"object"}""").RootElement
                    : tool.Parameters);
            }
            catch (JsonSchemaException e)
            {
                throw new JsonSchemaException($"tool '{tool.Name}': {e.Message}", e.Keyword);
            }
            // The name as a JSON string, escaped, so that the call always parses whatever the name holds.
            string name = CompactJson.Serialize(tool.Name);
            calls.Add([builder.Literal($"<tool_call>\n{{\"name\": {name}, \"arguments\": "), arguments, builder.Literal("}\n</tool_call>")]);
        }
        var call = builder.Rule([.. calls]);
        var root = parallel ? builder.Sequence(call, builder.Star(builder.Sequence(builder.Literal("\n"), call))) : call;
        return JsonSchemaCompiler.Build(builder, root);
    }
}
