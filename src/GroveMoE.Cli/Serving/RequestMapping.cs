using System.Text.Json;
using GroveMoE.Cpu.AI;
using Microsoft.Extensions.AI;

namespace GroveMoE.Cli.Serving;

/// <summary>OpenAI request fields to Microsoft.Extensions.AI messages and options, refusing what grove cannot do.</summary>
internal static class RequestMapping
{
    public static List<ChatMessage> Messages(ChatCompletionRequest request)
    {
        if (request.Messages is not { Count: > 0 } messages) throw ApiErrorException.BadRequest("'messages' must be a non-empty array", "messages");
        var mapped = new List<ChatMessage>(messages.Count);
        var calls = new HashSet<string>(StringComparer.Ordinal);
        for (int i = 0; i < messages.Count; i++)
        {
            var message = messages[i];
            string at = $"messages[{i}]";
            var role = message.Role switch
            {
                "system" or "developer" => ChatRole.System,
                "user" => ChatRole.User,
                "assistant" => ChatRole.Assistant,
                "tool" => ChatRole.Tool,
                null => throw ApiErrorException.BadRequest($"{at} has no role", $"{at}.role"),
                _ => throw ApiErrorException.BadRequest($"{at}.role '{message.Role}' is not supported (system, developer, user, assistant, tool)", $"{at}.role"),
            };
            string text = Text(message.Content, $"{at}.content");
            if (role == ChatRole.Tool)
            {
                if (message.ToolCallId is not { } callId || !calls.Contains(callId))
                    throw ApiErrorException.BadRequest($"{at} answers tool call '{message.ToolCallId}', which no earlier assistant message made", $"{at}.tool_call_id");
                mapped.Add(new ChatMessage(ChatRole.Tool, [new FunctionResultContent(callId, text)]));
                continue;
            }
            var contents = new List<AIContent>();
            if (role == ChatRole.Assistant && message.ReasoningContent is { Length: > 0 } reasoning) contents.Add(new TextReasoningContent(reasoning));
            if (text.Length > 0 || role != ChatRole.Assistant) contents.Add(new TextContent(text));
            if (message.ToolCalls is { ValueKind: not JsonValueKind.Null } toolCalls)
            {
                if (role != ChatRole.Assistant) throw ApiErrorException.BadRequest("only assistant messages have tool_calls", $"{at}.tool_calls");
                foreach (var call in Decoded(() => ToolMapping.Calls(toolCalls, $"{at}.tool_calls").ToList(), $"{at}.tool_calls"))
                {
                    calls.Add(call.CallId);
                    contents.Add(call);
                }
            }
            mapped.Add(new ChatMessage(role, contents));
        }
        return mapped;
    }

    public static ChatOptions Options(ChatCompletionRequest r)
    {
        Refuse(r.N is > 1, "n", "only n = 1 is supported");
        Refuse(r.Functions is { ValueKind: JsonValueKind.Array }, "functions", "the legacy 'functions' are not supported; use 'tools'");
        var options = Sampling(r.MaxCompletionTokens ?? r.MaxTokens, r.Temperature, r.TopP, r.TopK, r.MinP, r.RepeatPenalty,
            r.PresencePenalty, r.Seed, r.Stop, r.ChatTemplateKwargs?.EnableThinking ?? r.EnableThinking, r.IgnoreEos, TopLogprobs(r));
        options.Tools = Decoded(() => ToolMapping.Tools(r.Tools), "tools");
        options.ToolMode = Decoded(() => ToolMapping.Mode(r.ToolChoice, options.Tools), "tool_choice");
        options.AllowMultipleToolCalls = r.ParallelToolCalls;
        options.ResponseFormat = Decoded(() => ToolMapping.ResponseFormat(r.ResponseFormat), "response_format");
        return options;
    }

    /// <summary>OpenAI's logprobs / top_logprobs, or llama-server's n_probs (which also turns them on); null for none.</summary>
    public static int? TopLogprobs(ChatCompletionRequest r)
    {
        const int max = GroveMoE.Cpu.Generation.GenerationOptions.MaxTopLogprobs;
        Refuse(r.TopLogprobs is < 0 or > max, "top_logprobs", $"'top_logprobs' must be between 0 and {max}");
        Refuse(r.TopLogprobs is not null && r.Logprobs != true && r.NProbs is null, "top_logprobs", "'top_logprobs' needs 'logprobs': true");
        Refuse(r.NProbs is < 0 or > max, "n_probs", $"'n_probs' must be between 0 and {max}");
        if (r.Logprobs == true) return r.TopLogprobs ?? r.NProbs ?? 0;
        return r.NProbs is > 0 ? r.NProbs : null;
    }

    /// <summary>The legacy logprobs (the number of alternatives, up to 5 as OpenAI allows) or n_probs; null for none.</summary>
    public static int? TopLogprobs(CompletionRequest r)
    {
        const int max = GroveMoE.Cpu.Generation.GenerationOptions.MaxTopLogprobs;
        Refuse(r.Logprobs is < 0 or > 5, "logprobs", "'logprobs' must be between 0 and 5");
        Refuse(r.NProbs is < 0 or > max, "n_probs", $"'n_probs' must be between 0 and {max}");
        return r.Logprobs ?? (r.NProbs is > 0 ? r.NProbs : null);
    }

    public static string Prompt(CompletionRequest request)
    {
        Refuse(request.N is > 1 || request.BestOf is > 1, "n", "only n = 1 is supported");
        Refuse(request.Echo == true, "echo", "echo is not supported");
        Refuse(!string.IsNullOrEmpty(request.Suffix), "suffix", "suffix is not supported");
        var prompt = request.Prompt;
        if (prompt is { ValueKind: JsonValueKind.Array } array)
        {
            if (array.GetArrayLength() != 1 || array[0].ValueKind != JsonValueKind.String)
                throw ApiErrorException.BadRequest("'prompt' must be a string or an array of one string", "prompt");
            prompt = array[0];
        }
        if (prompt is not { ValueKind: JsonValueKind.String } text || Decode(text, "prompt") is not { Length: > 0 } value)
            throw ApiErrorException.BadRequest("'prompt' must be a non-empty string", "prompt");
        return value;
    }

    public static ChatOptions Sampling(int? maxTokens, float? temperature, float? topP, int? topK, float? minP,
        float? repeatPenalty, float? presencePenalty, long? seed, JsonElement? stop, bool? thinking = null, bool? ignoreEos = null,
        int? topLogprobs = null)
    {
        var typed = new GroveRequestOptions
        {
            MinP = minP, RepetitionPenalty = repeatPenalty, Thinking = thinking, IgnoreEos = ignoreEos, TopLogprobs = topLogprobs,
        };
        Refuse(maxTokens is < 1, "max_tokens", "'max_tokens' must be at least 1");
        var options = new ChatOptions
        {
            MaxOutputTokens = maxTokens,
            Temperature = temperature,
            TopP = topP,
            TopK = topK,
            PresencePenalty = presencePenalty,
            Seed = seed,
            StopSequences = StopSequences(stop),
            RawRepresentationFactory = _ => typed,
        };
        return options;
    }

    private static List<string>? StopSequences(JsonElement? stop)
    {
        switch (stop)
        {
            case null or { ValueKind: JsonValueKind.Null }:
                return null;
            case { ValueKind: JsonValueKind.String } one:
                return [Decode(one, "stop")];
            case { ValueKind: JsonValueKind.Array } many when many.GetArrayLength() <= 4 && many.EnumerateArray().All(s => s.ValueKind == JsonValueKind.String):
                return many.EnumerateArray().Select(s => Decode(s, "stop")).Where(s => s.Length > 0).ToList();
            default:
                throw ApiErrorException.BadRequest("'stop' must be a string or an array of up to 4 strings", "stop");
        }
    }

    private static string Text(JsonElement? content, string param)
    {
        switch (content)
        {
            case null or { ValueKind: JsonValueKind.Null }:
                return "";
            case { ValueKind: JsonValueKind.String } text:
                return Decode(text, param);
            case { ValueKind: JsonValueKind.Array } parts:
                var joined = new System.Text.StringBuilder();
                foreach (var part in parts.EnumerateArray())
                {
                    if (part.ValueKind != JsonValueKind.Object || !TryProperty(part, "type", param, out var type) || !IsText(type, param)
                        || !TryProperty(part, "text", param, out var text) || text.ValueKind != JsonValueKind.String)
                        throw ApiErrorException.BadRequest("only text content parts are supported", param);
                    joined.Append(Decode(text, param));
                }
                return joined.ToString();
            default:
                throw ApiErrorException.BadRequest("content must be a string or an array of text parts", param);
        }
    }

    private static bool IsText(JsonElement type, string param) => type.ValueKind == JsonValueKind.String && Decode(type, param) == "text";

    /// <summary>TryGetProperty, which unescapes every name it compares and throws on a lone surrogate, with a 400 instead.</summary>
    private static bool TryProperty(JsonElement obj, string name, string param, out JsonElement value)
    {
        try
        {
            return obj.TryGetProperty(name, out value);
        }
        catch (InvalidOperationException)
        {
            throw ApiErrorException.BadRequest($"'{param}' has a name that is not valid Unicode (invalid UTF-8 or a lone surrogate)", param);
        }
    }

    /// <summary>A JSON string's value; System.Text.Json parses escaped lone surrogates and invalid UTF-8 but throws on decoding them.</summary>
    private static string Decode(JsonElement value, string param)
    {
        try
        {
            return value.GetString()!;
        }
        catch (InvalidOperationException)
        {
            throw ApiErrorException.BadRequest($"'{param}' is not valid Unicode (invalid UTF-8 or a lone surrogate)", param);
        }
    }

    /// <summary>
    /// Reads free-form request JSON (tools, tool calls, response formats) whose names and strings System.Text.Json
    /// decodes on demand, throwing InvalidOperationException for invalid UTF-8 or a lone surrogate: a 400, not a 500.
    /// </summary>
    private static T Decoded<T>(Func<T> read, string param)
    {
        try
        {
            return read();
        }
        catch (InvalidOperationException)
        {
            throw ApiErrorException.BadRequest($"'{param}' holds text that is not valid Unicode (invalid UTF-8 or a lone surrogate)", param);
        }
    }

    private static void Refuse(bool condition, string param, string message)
    {
        if (condition) throw ApiErrorException.BadRequest(message, param);
    }
}
