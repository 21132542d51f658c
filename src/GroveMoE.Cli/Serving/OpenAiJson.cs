using System.Text.Encodings.Web;
using System.Text.Json;
using System.Text.Json.Serialization;
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
    };

    /// <summary>Reads the body as <typeparamref name="T"/>; malformed JSON and unknown fields throw <see cref="JsonException"/>.</summary>
    public static async Task<T> ReadBody<T>(HttpRequest request) where T : class
    {
        var body = await JsonSerializer.DeserializeAsync<T>(request.Body, Options, request.HttpContext.RequestAborted);
        return body ?? throw ApiErrorException.BadRequest("the request body must be a JSON object");
    }
}
