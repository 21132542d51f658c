using System.Text.Json;

namespace GroveMoE.Cpu.Conversion.SafeTensors;

/// <summary>
/// Reads the JSON of safetensors headers and checkpoint indexes with failures of our own: System.Text.Json accepts
/// escaped lone surrogates (<c>"\ud800"</c>) while parsing and only throws <see cref="InvalidOperationException"/>
/// when such a string is decoded, so every name and value goes through here.
/// </summary>
internal static class SafeTensorsJson
{
    private static readonly JsonDocumentOptions Options = new() { MaxDepth = 16 };

    /// <summary>Parses <paramref name="json"/>, which starts at byte <paramref name="fileOffset"/> of <paramref name="file"/>, into an object.</summary>
    public static JsonDocument ParseObject(ReadOnlyMemory<byte> json, string file, long fileOffset, string what)
    {
        JsonDocument doc;
        try
        {
            doc = JsonDocument.Parse(json, Options);
        }
        catch (JsonException e)
        {
            long at = fileOffset + (e.BytePositionInLine ?? 0);
            string detail = e.Message.Split(" LineNumber:")[0].TrimEnd('.', ' ');
            throw new SafeTensorsFormatException(file, at, $"{what} is not valid JSON ({detail})");
        }
        var kind = doc.RootElement.ValueKind;
        if (kind != JsonValueKind.Object)
        {
            doc.Dispose();
            throw new SafeTensorsFormatException(file, fileOffset, $"{what} is a JSON {kind}, not an object");
        }
        return doc;
    }

    /// <summary>The properties of an object, each name decoded, refusing a name that appears twice.</summary>
    public static IEnumerable<(string Name, JsonElement Value)> Properties(JsonElement obj, string file, string what)
    {
        var seen = new HashSet<string>(StringComparer.Ordinal);
        foreach (var property in obj.EnumerateObject())
        {
            string name = Decode(() => property.Name, file, $"a name in {what}");
            if (!seen.Add(name)) throw new SafeTensorsFormatException($"{file}: '{name}' appears twice in {what}");
            yield return (name, property.Value);
        }
    }

    /// <summary>
    /// The property <paramref name="name"/> of an object, found among the decoded names (TryGetProperty unescapes
    /// every name it compares and throws on a lone surrogate).
    /// </summary>
    public static bool TryGetProperty(JsonElement obj, string name, string file, string what, out JsonElement value)
    {
        foreach (var (key, v) in Properties(obj, file, what))
        {
            if (key != name) continue;
            value = v;
            return true;
        }
        value = default;
        return false;
    }

    /// <summary>The value of a JSON string.</summary>
    public static string String(JsonElement value, string file, string what) => Decode(() => value.GetString()!, file, what);

    private static string Decode(Func<string> read, string file, string what)
    {
        try
        {
            return read();
        }
        catch (InvalidOperationException)
        {
            throw new SafeTensorsFormatException($"{file}: {what} is not valid Unicode (a lone surrogate or invalid UTF-8)");
        }
    }
}
