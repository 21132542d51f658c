using System.Text.Json;

namespace GroveMoE.Cpu.Generation;

/// <summary>A function the model may call: its name, what it does and the JSON Schema of its arguments.</summary>
public sealed record ChatTool(string Name, string? Description, JsonElement Parameters)
{
    /// <summary>The tool as OpenAI's API and Qwen3's template spell it: {"type": "function", "function": {...}}.</summary>
    internal string Definition()
    {
        using var stream = new MemoryStream();
        using (var writer = new Utf8JsonWriter(stream))
        {
            writer.WriteStartObject();
            writer.WriteString("type", "function");
            writer.WriteStartObject("function");
            writer.WriteString("name", Name);
            if (Description is not null) writer.WriteString("description", Description);
            writer.WritePropertyName("parameters");
            Parameters.WriteTo(writer);
            writer.WriteEndObject();
            writer.WriteEndObject();
        }
        using var document = JsonDocument.Parse(stream.ToArray());
        return PythonJson.Write(document.RootElement);
    }
}
