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

    /// <summary>Reads the body as <typeparamref name="T"/>; malformed JSON and unknown fields throw <see cref="JsonException"/>.</summary>
    public static async Task<T> ReadBody<T>(HttpRequest request) where T : class
    {
        var body = await JsonSerializer.DeserializeAsync(request.Body, Info<T>(), request.HttpContext.RequestAborted);
        return body ?? throw ApiErrorException.BadRequest("the request body must be a JSON object");
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
