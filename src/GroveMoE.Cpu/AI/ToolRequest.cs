using System.Text.Json;
using GroveMoE.Cpu.Generation;
using GroveMoE.Cpu.Grammar;
using Microsoft.Extensions.AI;

namespace GroveMoE.Cpu.AI;

/// <summary>What <see cref="ChatOptions.Tools"/> and <see cref="ChatOptions.ToolMode"/> ask of one request: the tools
/// the prompt lists and, when a call is required, the grammar that forces one.</summary>
internal sealed record ToolRequest(IReadOnlyList<ChatTool> Listed, CompiledGrammar? Grammar)
{
    private static readonly JsonElement AnyObject = JsonDocument.Parse("""{"type":"object"}""").RootElement;

    public static ToolRequest From(ChatOptions? options)
    {
        var tools = (options?.Tools ?? []).OfType<AIFunctionDeclaration>()
            .Select(f => new ChatTool(f.Name, string.IsNullOrEmpty(f.Description) ? null : f.Description,
                f.JsonSchema.ValueKind == JsonValueKind.Object ? f.JsonSchema : AnyObject))
            .ToList();
        if (tools.Count == 0 || options!.ToolMode is NoneChatToolMode) return new([], null);
        if (options.ToolMode is not RequiredChatToolMode required) return new(tools, null);

        var forced = tools;
        if (required.RequiredFunctionName is { } name)
        {
            forced = tools.Where(t => t.Name == name).ToList();
            if (forced.Count == 0) throw new ArgumentException($"the required tool '{name}' is not among the tools", nameof(options));
        }
        bool parallel = options.AllowMultipleToolCalls == true;
        string key = $"tools {parallel} " + JsonSerializer.Serialize(forced.Select(t => new[] { t.Name, t.Parameters.GetRawText() }).ToArray(), LibraryJson.Default.StringArrayArray);
        return new(tools, GrammarCache.GetOrCompile(key, () => ToolCallGrammar.For(forced, parallel)));
    }
}
