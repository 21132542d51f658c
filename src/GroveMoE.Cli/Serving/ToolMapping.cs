using System.Text.Json;
using Microsoft.Extensions.AI;

namespace GroveMoE.Cli.Serving;

/// <summary>OpenAI's tools, tool_choice, response_format and tool-call messages to Microsoft.Extensions.AI's types.</summary>
internal static class ToolMapping
{
    /// <summary>A function the request declares; grove never runs it, the client does.</summary>
    private sealed class Declaration(string name, string? description, JsonElement schema) : AIFunctionDeclaration
    {
        public override string Name => name;
        public override string Description => description ?? "";
        public override JsonElement JsonSchema => schema;
    }

    public static List<AITool>? Tools(JsonElement? tools)
    {
        if (tools is null or { ValueKind: JsonValueKind.Null }) return null;
        if (tools.Value.ValueKind != JsonValueKind.Array) throw ApiErrorException.BadRequest("'tools' must be an array", "tools");
        var declared = new List<AITool>();
        int i = 0;
        foreach (var tool in tools.Value.EnumerateArray())
        {
            string param = $"tools[{i++}]";
            if (tool.ValueKind != JsonValueKind.Object || !tool.TryGetProperty("function", out var function) || function.ValueKind != JsonValueKind.Object
                || tool.TryGetProperty("type", out var type) && type.GetString() != "function")
                throw ApiErrorException.BadRequest($"{param} must be {{\"type\": \"function\", \"function\": {{...}}}}", param);
            if (!function.TryGetProperty("name", out var name) || name.ValueKind != JsonValueKind.String || name.GetString() is not { Length: > 0 } n)
                throw ApiErrorException.BadRequest($"{param}.function.name must be a non-empty string", $"{param}.function.name");
            string? description = function.TryGetProperty("description", out var d) && d.ValueKind == JsonValueKind.String ? d.GetString() : null;
            var schema = function.TryGetProperty("parameters", out var p) && p.ValueKind == JsonValueKind.Object
                ? p.Clone()
                : JsonDocument.Parse("""{"type":"object","properties":{}}""").RootElement;
            declared.Add(new Declaration(n, description, schema));
        }
        return declared;
    }

    public static ChatToolMode? Mode(JsonElement? choice, IList<AITool>? tools)
    {
        switch (choice)
        {
            case null or { ValueKind: JsonValueKind.Null }:
                return null;
            case { ValueKind: JsonValueKind.String } s:
                return s.GetString() switch
                {
                    "none" => ChatToolMode.None,
                    "auto" => ChatToolMode.Auto,
                    "required" => tools is { Count: > 0 } ? ChatToolMode.RequireAny
                        : throw ApiErrorException.BadRequest("tool_choice 'required' needs 'tools'", "tool_choice"),
                    var other => throw ApiErrorException.BadRequest($"tool_choice '{other}' is not one of none, auto, required", "tool_choice"),
                };
            case { ValueKind: JsonValueKind.Object } named
                when named.TryGetProperty("function", out var f) && f.TryGetProperty("name", out var n) && n.ValueKind == JsonValueKind.String:
                string name = n.GetString()!;
                if (tools is null || !tools.Any(t => t.Name == name))
                    throw ApiErrorException.BadRequest($"tool_choice names the function '{name}', which is not in 'tools'", "tool_choice");
                return ChatToolMode.RequireSpecific(name);
            default:
                throw ApiErrorException.BadRequest("tool_choice must be none, auto, required or {\"type\": \"function\", \"function\": {\"name\": ...}}", "tool_choice");
        }
    }

    public static ChatResponseFormat? ResponseFormat(JsonElement? format)
    {
        if (format is not { ValueKind: JsonValueKind.Object } f) return null;
        string? type = f.TryGetProperty("type", out var t) ? t.GetString() : null;
        switch (type)
        {
            case "text" or null:
                return null;
            case "json_object":
                return ChatResponseFormat.Json;
            case "json_schema":
                if (!f.TryGetProperty("json_schema", out var spec) || spec.ValueKind != JsonValueKind.Object
                    || !spec.TryGetProperty("schema", out var schema) || schema.ValueKind is not (JsonValueKind.Object or JsonValueKind.True))
                    throw ApiErrorException.BadRequest("response_format json_schema needs 'json_schema.schema', a JSON Schema object", "response_format");
                string? name = spec.TryGetProperty("name", out var nm) && nm.ValueKind == JsonValueKind.String ? nm.GetString() : null;
                return ChatResponseFormat.ForJsonSchema(schema.Clone(), name);
            default:
                throw ApiErrorException.BadRequest($"response_format type '{type}' is not one of text, json_object, json_schema", "response_format");
        }
    }

    /// <summary>An assistant message's tool_calls as function calls (arguments: JSON text of an object).</summary>
    public static IEnumerable<FunctionCallContent> Calls(JsonElement calls, string param)
    {
        if (calls.ValueKind != JsonValueKind.Array) throw ApiErrorException.BadRequest("tool_calls must be an array", param);
        int i = 0;
        foreach (var call in calls.EnumerateArray())
        {
            string at = $"{param}[{i++}]";
            if (call.ValueKind != JsonValueKind.Object || !call.TryGetProperty("id", out var id) || id.ValueKind != JsonValueKind.String
                || !call.TryGetProperty("function", out var function) || !function.TryGetProperty("name", out var name) || name.ValueKind != JsonValueKind.String)
                throw ApiErrorException.BadRequest($"{at} needs an id and function.name", at);
            string arguments = function.TryGetProperty("arguments", out var a) && a.ValueKind == JsonValueKind.String ? a.GetString()! : "{}";
            Dictionary<string, object?>? parsed;
            try
            {
                parsed = JsonSerializer.Deserialize(arguments, OpenAiJson.Info<Dictionary<string, object?>>());
            }
            catch (JsonException)
            {
                throw ApiErrorException.BadRequest($"{at}.function.arguments is not a JSON object", $"{at}.function.arguments");
            }
            yield return new FunctionCallContent(id.GetString()!, name.GetString()!, parsed);
        }
    }
}
