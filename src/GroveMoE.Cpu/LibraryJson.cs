using System.Text.Encodings.Web;
using System.Text.Json;
using System.Text.Json.Serialization;
using System.Text.Json.Serialization.Metadata;

namespace GroveMoE.Cpu;

/// <summary>The JSON the library itself writes and reads, source-generated so a trimmed or AOT app keeps working.</summary>
[JsonSerializable(typeof(string))]
[JsonSerializable(typeof(JsonElement))]
[JsonSerializable(typeof(string[][]))]
[JsonSerializable(typeof(Dictionary<string, object?>))]
internal sealed partial class LibraryJson : JsonSerializerContext;

/// <summary>Compact JSON for grammar literals and cache keys (a class apart, so <see cref="LibraryJson.Default"/> exists before it is used).</summary>
internal static class CompactJson
{
    private static readonly JsonSerializerOptions CompactOptions = new()
    {
        // Grammar literals and cache keys, never embedded in HTML.
        Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
        TypeInfoResolver = LibraryJson.Default,
    };

    private static readonly JsonTypeInfo<string> CompactString = (JsonTypeInfo<string>)CompactOptions.GetTypeInfo(typeof(string));
    private static readonly JsonTypeInfo<JsonElement> CompactElement = (JsonTypeInfo<JsonElement>)CompactOptions.GetTypeInfo(typeof(JsonElement));

    /// <summary><paramref name="value"/> as a JSON string literal, non-ASCII characters as they are.</summary>
    public static string Serialize(string value) => JsonSerializer.Serialize(value, CompactString);

    /// <summary><paramref name="value"/> re-serialized without whitespace, non-ASCII characters as they are.</summary>
    public static string Serialize(JsonElement value) => JsonSerializer.Serialize(value, CompactElement);
}
