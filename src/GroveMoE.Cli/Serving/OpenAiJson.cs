using System.Text.Encodings.Web;
using System.Text.Json;
using System.Text.Json.Serialization;
using System.Text.Json.Serialization.Metadata;
using Microsoft.AspNetCore.Http;

namespace GroveMoE.Cli.Serving;

/// <summary>OpenAI's wire format: snake_case, nulls left out, unknown request fields ignored (as llama-server does).</summary>
internal static class OpenAiJson
{
    public static readonly JsonSerializerOptions Options = new()
    {
        PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower,
        DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
        UnmappedMemberHandling = JsonUnmappedMemberHandling.Skip,
        NumberHandling = JsonNumberHandling.Strict,
        Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping, // an API body, never embedded in HTML
        TypeInfoResolver = OpenAiJsonContext.Default,
    };

    /// <summary>The source-generated metadata of <typeparamref name="T"/> under <see cref="Options"/> (trimming-safe).</summary>
    public static JsonTypeInfo<T> Info<T>() => (JsonTypeInfo<T>)Options.GetTypeInfo(typeof(T));

    /// <summary>Writes <paramref name="value"/> as the response body.</summary>
    public static Task WriteAsync<T>(HttpResponse response, T value, CancellationToken cancel = default) =>
        response.WriteAsJsonAsync(value, Info<T>(), contentType: null, cancel);

    /// <summary>
    /// Reads the body as <typeparamref name="T"/>; malformed JSON throws <see cref="JsonException"/>. Fields
    /// <typeparamref name="T"/> does not have are ignored, and named in one line to <paramref name="debug"/> when given.
    /// </summary>
    public static async Task<T> ReadBody<T>(HttpRequest request, Action<string>? debug = null) where T : class
    {
        T? body;
        if (debug is null) body = await JsonSerializer.DeserializeAsync(request.Body, Info<T>(), request.HttpContext.RequestAborted);
        else
        {
            using var document = await JsonDocument.ParseAsync(request.Body, default, request.HttpContext.RequestAborted);
            LogUnknownFields(typeof(T), document.RootElement, request.Path, debug);
            body = document.Deserialize(Info<T>());
        }
        return body ?? throw ApiErrorException.BadRequest("the request body must be a JSON object");
    }

    private static void LogUnknownFields(Type type, JsonElement body, PathString path, Action<string> debug)
    {
        if (body.ValueKind != JsonValueKind.Object) return;
        var known = Options.GetTypeInfo(type).Properties.Select(p => p.Name).ToHashSet(StringComparer.Ordinal);
        var unknown = new List<string>();
        try
        {
            foreach (var field in body.EnumerateObject())
                if (!known.Contains(field.Name)) unknown.Add(field.Name.Length > 40 ? field.Name[..40] + "…" : field.Name);
        }
        catch (InvalidOperationException)
        {
            return; // a name that is not valid Unicode: the request fails on it later, with a 400
        }
        if (unknown.Count == 0) return;
        string listed = string.Join(", ", unknown.Distinct().Take(20)) + (unknown.Count > 20 ? $", … ({unknown.Count} in all)" : "");
        debug($"debug: {path} request fields grove does not use (ignored): {listed}");
    }
}

/// <summary>Every type the server reads or writes, source-generated (no reflection, so a trimmed publish keeps them).</summary>
[JsonSerializable(typeof(ChatCompletionRequest))]
[JsonSerializable(typeof(CompletionRequest))]
[JsonSerializable(typeof(ChatCompletion))]
[JsonSerializable(typeof(ChatCompletionChunk))]
[JsonSerializable(typeof(TextCompletion))]
[JsonSerializable(typeof(ModelList))]
[JsonSerializable(typeof(ModelEntry))]
[JsonSerializable(typeof(HealthStatus))]
[JsonSerializable(typeof(ErrorBody))]
[JsonSerializable(typeof(Dictionary<string, object?>))]
internal sealed partial class OpenAiJsonContext : JsonSerializerContext;
