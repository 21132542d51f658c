using System.Runtime.CompilerServices;
using System.Text;
using System.Text.Json;
using GroveMoE.Cpu.Generation;
using Microsoft.Extensions.AI;

namespace GroveMoE.Cpu.AI;

/// <summary>
/// A Microsoft.Extensions.AI <see cref="IChatClient"/> over a loaded <see cref="LanguageModel"/>, so GroveMoE plugs
/// into the .NET AI pipeline (<c>ChatClientBuilder</c> with logging, caching, telemetry middleware).
/// </summary>
/// <remarks>
/// Safe to call from many threads: up to <see cref="GroveChatClientOptions.MaxConcurrentRequests"/> requests generate
/// at once and the rest queue in arrival order. Each request sends the whole history; a request whose history extends
/// an earlier one reuses that conversation's cached tokens (reported as <see cref="UsageDetails.CachedInputTokenCount"/>).
/// <see cref="ChatOptions"/> maps as: Temperature, TopP, TopK, MaxOutputTokens, StopSequences, Seed, PresencePenalty;
/// <c>AdditionalProperties</c> may set <c>enable_thinking</c> (bool), <c>min_p</c> and <c>repeat_penalty</c>.
/// Tools (<see cref="AIFunctionDeclaration"/>s) are listed in the prompt; with <see cref="ChatToolMode.Auto"/> the
/// model's <c>&lt;tool_call&gt;</c> blocks come back as <see cref="FunctionCallContent"/>, and
/// <see cref="ChatToolMode.RequireAny"/> or a required function constrain the output so a call with valid arguments
/// always comes out (<see cref="ChatOptions.AllowMultipleToolCalls"/> lets it make several). A JSON
/// <see cref="ChatOptions.ResponseFormat"/> constrains the answer to its schema (or any JSON object). Qwen3's
/// thinking comes back as <see cref="TextReasoningContent"/>; constrained answers do not think.
/// </remarks>
public sealed class GroveChatClient : IChatClient
{
    /// <summary>The <c>AdditionalProperties</c> key that turns Qwen3's thinking on or off for one request.</summary>
    public const string EnableThinkingKey = "enable_thinking";

    /// <summary>The <c>AdditionalProperties</c> key (int, 0 to 20) that asks for each generated token's log-probability
    /// and that many most likely alternatives; the updates then carry them under <see cref="LogprobsKey"/>.</summary>
    public const string TopLogprobsKey = "top_logprobs";

    /// <summary>The update <c>AdditionalProperties</c> key of the <see cref="TokenLogprob"/>s (an array) of the tokens
    /// the update's text came from, when <see cref="TopLogprobsKey"/> asked for them.</summary>
    public const string LogprobsKey = "logprobs";

    /// <summary>The <c>AdditionalProperties</c> key (bool) that keeps generating past end-of-text tokens, as llama.cpp's ignore_eos.</summary>
    public const string IgnoreEosKey = "ignore_eos";

    private readonly LanguageModel _model;
    private readonly SessionPool _pool;
    private readonly GroveChatClientOptions _options;
    private readonly bool _ownsPool;

    /// <summary>A client with sessions of its own, as many as <see cref="GroveChatClientOptions.MaxConcurrentRequests"/>.</summary>
    public GroveChatClient(LanguageModel model, GroveChatClientOptions? options = null)
        : this(new SessionPool(model, (options ?? new()).MaxConcurrentRequests, options?.Session), options)
    {
        _ownsPool = true;
    }

    /// <summary>A client that takes its sessions from <paramref name="pool"/>, shared with other users of the pool;
    /// the pool's size, not <see cref="GroveChatClientOptions.MaxConcurrentRequests"/>, bounds concurrency.</summary>
    public GroveChatClient(SessionPool pool, GroveChatClientOptions? options = null)
    {
        _pool = pool;
        _model = pool.Model;
        _options = options ?? new GroveChatClientOptions();
        Metadata = new ChatClientMetadata("GroveMoE.Cpu", null, _model.Name);
    }

    public ChatClientMetadata Metadata { get; }

    /// <summary>Requests waiting for a session now.</summary>
    public int Waiting => _pool.Waiting;

    public Task<ChatResponse> GetResponseAsync(IEnumerable<ChatMessage> messages, ChatOptions? options = null,
        CancellationToken cancellationToken = default) =>
        GetStreamingResponseAsync(messages, options, cancellationToken).ToChatResponseAsync(cancellationToken);

    public async IAsyncEnumerable<ChatResponseUpdate> GetStreamingResponseAsync(IEnumerable<ChatMessage> messages,
        ChatOptions? options = null, [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        var history = ToHistory(messages);
        var request = ToolRequest.From(options);
        var grammar = request.Grammar ?? ResponseGrammar(options);
        var generation = GenerationOptionsFor(options) with { Grammar = grammar };
        // A grammar holds from the first token, so a constrained answer starts after an empty think block.
        bool thinking = ChatTemplate.ResolveThinking(history, grammar is null && ThinkingFor(options));
        int[] prompt = _model.Tokenizer.Encode(_model.ChatTemplate.Render(null, history, thinking, request.Listed));
        var parser = new AssistantOutputParser(reasoningFirst: thinking, parseToolCalls: request.Listed.Count > 0);
        var parts = new List<AssistantPart>();
        var updates = new AssistantUpdates();

        string id = $"chatcmpl-{Guid.NewGuid():N}";
        var created = DateTimeOffset.UtcNow;
        using var lease = await _pool.RentAsync(prompt, cancellationToken).ConfigureAwait(false);
        var session = lease.Session;
        ChatResponseUpdate Update(IList<AIContent> contents) => new(ChatRole.Assistant, contents)
        {
            ResponseId = id, MessageId = id, CreatedAt = created, ModelId = _model.Name,
        };
        await foreach (var piece in session.GeneratePiecesAsync(prompt, generation, cancellationToken).ConfigureAwait(false))
        {
            parser.Push(piece.Text, parts);
            updates.Add(piece.Logprobs);
            if (parts.Count > 0) yield return updates.Fill(Update([]), parts);
        }
        cancellationToken.ThrowIfCancellationRequested();
        parser.Flush(parts);
        if (parts.Count > 0) yield return updates.Fill(Update([]), parts);

        var stats = session.LastStats!;
        var usage = new UsageDetails
        {
            InputTokenCount = stats.PromptTokens,
            OutputTokenCount = stats.GeneratedTokens,
            TotalTokenCount = stats.PromptTokens + stats.GeneratedTokens,
            CachedInputTokenCount = stats.ReusedTokens,
        };
        var final = updates.Fill(Update([new UsageContent(usage)]), parts);
        final.FinishReason = stats.FinishReason != FinishReason.Stop ? ChatFinishReason.Length
            : parser.ToolCalls > 0 ? ChatFinishReason.ToolCalls
            : ChatFinishReason.Stop;
        yield return final;
    }

    /// <summary>The grammar a JSON response format asks for: its schema, or any JSON object.</summary>
    private static Grammar.CompiledGrammar? ResponseGrammar(ChatOptions? options) => options?.ResponseFormat switch
    {
        ChatResponseFormatJson { Schema: { } schema } => Grammar.GrammarCache.GetOrCompile("schema " + schema.GetRawText(),
            () => Grammar.CompiledGrammar.FromJsonSchema(schema)),
        ChatResponseFormatJson => Grammar.CompiledGrammar.AnyJsonObject,
        _ => null,
    };

    private static List<ChatTurn> ToHistory(IEnumerable<ChatMessage> messages)
    {
        var history = new List<ChatTurn>();
        var calls = new HashSet<string>(StringComparer.Ordinal);
        foreach (var message in messages)
        {
            if (message.Role == ChatRole.Tool)
            {
                foreach (var result in message.Contents.OfType<FunctionResultContent>())
                {
                    if (!calls.Contains(result.CallId))
                        throw new ArgumentException($"the tool result for call '{result.CallId}' answers no earlier tool call");
                    history.Add(new ChatTurn(AuthorRole.Tool, ResultText(result.Result)));
                }
                continue;
            }
            AuthorRole role = message.Role == ChatRole.System ? AuthorRole.System
                : message.Role == ChatRole.User ? AuthorRole.User
                : message.Role == ChatRole.Assistant ? AuthorRole.Assistant
                : throw new NotSupportedException($"messages with role '{message.Role}' are not supported");
            var toolCalls = new List<ToolCall>();
            foreach (var call in message.Contents.OfType<FunctionCallContent>())
            {
                calls.Add(call.CallId);
                toolCalls.Add(new ToolCall(call.Name, JsonSerializer.Serialize(call.Arguments ?? new Dictionary<string, object?>(), AIJsonUtilities.DefaultOptions)) { Id = call.CallId });
            }
            var reasoning = message.Contents.OfType<TextReasoningContent>().Select(r => r.Text).ToList();
            history.Add(new ChatTurn(role, message.Text)
            {
                ToolCalls = toolCalls,
                Reasoning = reasoning.Count > 0 ? string.Concat(reasoning) : null,
            });
        }
        if (history.Count == 0) throw new ArgumentException("the request has no messages", nameof(messages));
        return history;
    }

    private static string ResultText(object? result) => result switch
    {
        null => "",
        string s => s,
        JsonElement { ValueKind: JsonValueKind.String } e => e.GetString()!,
        _ => JsonSerializer.Serialize(result, AIJsonUtilities.DefaultOptions),
    };

    /// <summary>
    /// The token limit, stop sequences and sampling a request with <paramref name="options"/> runs with: the client's
    /// <see cref="GroveChatClientOptions.Generation"/> with whatever <paramref name="options"/> sets laid over it.
    /// </summary>
    /// <exception cref="ArgumentException">An option is out of range.</exception>
    public GenerationOptions GenerationOptionsFor(ChatOptions? options)
    {
        var generation = _options.Generation;
        if (options is null) return generation;
        var sampler = generation.Sampler with
        {
            Temperature = options.Temperature ?? generation.Sampler.Temperature,
            TopP = options.TopP ?? generation.Sampler.TopP,
            TopK = options.TopK ?? generation.Sampler.TopK,
            PresencePenalty = options.PresencePenalty ?? generation.Sampler.PresencePenalty,
            Seed = options.Seed is { } seed ? unchecked((ulong)seed) : generation.Sampler.Seed,
            MinP = Number(options, "min_p") ?? generation.Sampler.MinP,
            RepetitionPenalty = Number(options, "repeat_penalty") ?? generation.Sampler.RepetitionPenalty,
        };
        sampler.Validate();
        return generation with
        {
            MaxTokens = options.MaxOutputTokens is { } max
                ? max >= 1 ? max : throw new ArgumentException($"max output tokens must be >= 1 (got {max})")
                : generation.MaxTokens,
            StopSequences = options.StopSequences is { Count: > 0 } stops ? [.. stops] : generation.StopSequences,
            Sampler = sampler,
            TopLogprobs = Number(options, TopLogprobsKey) is { } top ? (int)top : generation.TopLogprobs,
            IgnoreEos = options.AdditionalProperties?.TryGetValue(IgnoreEosKey, out object? ignore) == true && ignore is true or JsonElement { ValueKind: JsonValueKind.True },
        };
    }

    private bool ThinkingFor(ChatOptions? options)
    {
        if (options?.AdditionalProperties?.TryGetValue(EnableThinkingKey, out object? value) != true) return _options.Thinking;
        return value switch
        {
            bool b => b,
            string s when bool.TryParse(s, out bool b) => b,
            JsonElement { ValueKind: JsonValueKind.True } => true,
            JsonElement { ValueKind: JsonValueKind.False } => false,
            _ => throw new ArgumentException($"{EnableThinkingKey} must be true or false"),
        };
    }

    private static float? Number(ChatOptions options, string key)
    {
        if (options.AdditionalProperties?.TryGetValue(key, out object? value) != true) return null;
        return value switch
        {
            float f => f,
            double d => (float)d,
            int i => i,
            JsonElement { ValueKind: JsonValueKind.Number } e => e.GetSingle(),
            _ => throw new ArgumentException($"{key} must be a number"),
        };
    }

    public object? GetService(Type serviceType, object? serviceKey = null) =>
        serviceKey is not null ? null
        : serviceType == typeof(ChatClientMetadata) ? Metadata
        : serviceType.IsInstanceOfType(this) ? this
        : serviceType.IsInstanceOfType(_model) ? _model
        : null;

    /// <summary>Closes the sessions it opened; the model (and a pool it was given) belong to the caller.</summary>
    public void Dispose()
    {
        if (_ownsPool) _pool.Dispose();
    }
}
