using System.Text.Json;
using System.Text.Json.Nodes;
using GroveMoE.Cpu.Generation;
using GroveMoE.Cpu.Grammar;
using Json.Schema;

namespace GroveMoE.Cpu.Tests.Grammar;

public class ToolCallGrammarTests
{
    /// <summary>Forced calls to tools with names that need JSON escaping parse back to those names, with arguments
    /// valid under the tool's random parameter schema.</summary>
    [Fact]
    public void ForcedCallsNameAToolAndCarryValidArguments()
    {
        var random = new Random(1317);
        var schemas = new RandomSchemas(random);
        string[] names = ["get_weather", "say \"hi\"", "back\\slash", "tab\there", "ключ", "emoji😀", "new\nline"];
        for (int trial = 0; trial < 6; trial++)
        {
            var tools = names.OrderBy(_ => random.Next()).Take(1 + random.Next(3))
                .Select(n => (Name: n, Schema: Parameters(schemas.Next()))).ToList();
            var grammar = ToolCallGrammar.For(tools.Select(t => new ChatTool(t.Name, null, JsonDocument.Parse(t.Schema).RootElement)).ToList(), parallel: trial % 2 == 1);
            string text = GrammarWalk.Generate(grammar, random, freeSteps: random.Next(5, 60));
            var parser = new AssistantOutputParser(reasoningFirst: false, parseToolCalls: true);
            var parts = new List<AssistantPart>();
            for (int at = 0; at < text.Length;) // streamed in random pieces, as tokens come
            {
                int length = Math.Min(text.Length - at, random.Next(1, 6));
                if (char.IsHighSurrogate(text[at + length - 1]) && at + length < text.Length) length++;
                parser.Push(text.Substring(at, length), parts);
                at += length;
            }
            parser.Flush(parts);
            Assert.True(parts.Count > 0 && parts.All(p => p.Kind is AssistantPartKind.ToolCall or AssistantPartKind.ToolCallStart or AssistantPartKind.ToolCallArguments), text);
            // Each call streams: its start with the name, then pieces of arguments that add up to the whole call's.
            var streamed = new System.Text.StringBuilder();
            string? open = null;
            foreach (var part in parts)
            {
                switch (part.Kind)
                {
                    case AssistantPartKind.ToolCallStart:
                        Assert.Null(open);
                        open = part.Call!.Name;
                        streamed.Clear();
                        break;
                    case AssistantPartKind.ToolCallArguments:
                        Assert.NotNull(open);
                        streamed.Append(part.Text);
                        break;
                    default:
                        Assert.Equal(open, part.Call!.Name);
                        Assert.Equal(part.Call.Arguments, streamed.ToString());
                        open = null;
                        break;
                }
            }
            foreach (var call in parts.Where(p => p.Kind == AssistantPartKind.ToolCall).Select(p => p.Call!))
            {
                var tool = tools.Single(t => t.Name == call.Name);
                var result = JsonSchema.FromText(tool.Schema).Evaluate(JsonNode.Parse(call.Arguments), new EvaluationOptions { RequireFormatValidation = true });
                Assert.True(result.IsValid, $"{tool.Schema}\n{call.Arguments}");
            }
        }
    }

    /// <summary>An object schema with <paramref name="value"/> as its one required property (its $defs moved up, where its references point).</summary>
    private static string Parameters(JsonObject value)
    {
        var parameters = new JsonObject { ["type"] = "object" };
        if (value.Remove("$defs", out var defs)) parameters["$defs"] = defs;
        parameters["properties"] = new JsonObject { ["p"] = value };
        parameters["required"] = new JsonArray("p");
        return parameters.ToJsonString();
    }
}
