using System.Runtime.CompilerServices;
using System.Text;
using System.Text.Json;
using System.Text.Json.Serialization.Metadata;
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
/// thinking, min-p, the repetition penalty and ignore-EOS come as a <see cref="GroveRequestOptions"/> from
/// <see cref="ChatOptions.RawRepresentationFactory"/>. The last streamed update carries the <see cref="UsageContent"/>,
/// the finish reason and, as its <see cref="ChatResponseUpdate.RawRepresentation"/>, the call's
/// <see cref="GenerationStats"/>. A full context finishes with <see cref="ChatFinishReason.Length"/>, told apart
/// from the token limit by <see cref="FinishReasonKey"/> in <c>AdditionalProperties</c>; cancellation throws
/// <see cref="OperationCanceledException"/>.
/// Tools (<see cref="AIFunctionDeclaration"/>s) are listed in the prompt; with <see cref="ChatToolMode.Auto"/> the
/// model's <c>&lt;tool_call&gt;</c> blocks come back as <see cref="FunctionCallContent"/>, and
/// <see cref="ChatToolMode.RequireAny"/> or a required function constrain the output so a call with valid arguments
/// always comes out (<see cref="ChatOptions.AllowMultipleToolCalls"/> lets it make several). A JSON
/// <see cref="ChatOptions.ResponseFormat"/> constrains the answer to its schema (or any JSON object). Qwen3's
/// thinking comes back as <see cref="TextReasoningContent"/>; constrained answers do not think.
/// </remarks>
public sealed class GroveChatClient : IChatClient
{
    /// <summary>
    /// The key, in the final update's (and so the response message's) <c>AdditionalProperties</c>, of the runtime's own
    /// <see cref="Generation.FinishReason"/>: it tells <see cref="Generation.FinishReason.ContextFull"/> from
    /// <see cref="Generation.FinishReason.Length"/>, which both finish as <see cref="ChatFinishReason.Length"/>.
    /// </summary>
    public const string FinishReasonKey = "grove.finish_reason";

    /// <summary>
    /// The key, in a streamed update's <c>AdditionalProperties</c>, of the <see cref="TokenLogprob"/>s (an array) of
    /// the tokens that update's text came from, when <see cref="GroveRequestOptions.TopLogprobs"/> asked for them.
    /// </summary>
    public const string LogprobsKey = "grove.logprobs";

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

    /// <summary>The provider name "GroveMoE.Cpu" and the model's name as its default model id.</summary>
    public ChatClientMetadata Metadata { get; }

    /// <summary>Requests waiting for a session now.</summary>
    public int Waiting => _pool.Waiting;

    /// <inheritdoc/>
    public Task<ChatResponse> GetResponseAsync(IEnumerable<ChatMessage> messages, ChatOptions? options = null,
        CancellationToken cancellationToken = default) =>
        GetStreamingResponseAsync(messages, options, cancellationToken).ToChatResponseAsync(cancellationToken);

    /// <inheritdoc/>
    public async IAsyncEnumerable<ChatResponseUpdate> GetStreamingResponseAsync(IEnumerable<ChatMessage> messages,
        ChatOptions? options = null, [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        var history = ToHistory(messages);
        var request = ToolRequest.From(options);
        var grammar = request.Grammar ?? ResponseGrammar(options);
        var typed = Typed(options);
        var generation = GenerationOptionsFor(options, typed) with { Grammar = grammar };
        // A grammar holds from the first token, so a constrained answer starts after an empty think block.
        bool thinking = ChatTemplate.ResolveThinking(history, grammar is null && (typed?.Thinking ?? _options.Thinking));
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
        GenerationStats? stats = null;
        await foreach (var update in session.GenerateAsync(prompt, generation, cancellationToken).ConfigureAwait(false))
        {
            stats = update.Stats;
            parser.Push(update.Text, parts);
            updates.Add(update.Logprobs);
            if (parts.Count > 0) yield return updates.Fill(Update([]), parts);
        }
        cancellationToken.ThrowIfCancellationRequested();
        if (stats is null or { FinishReason: FinishReason.Cancelled }) throw new OperationCanceledException();
        parser.Flush(parts);
        if (parts.Count > 0) yield return updates.Fill(Update([]), parts);

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
        final.RawRepresentation = stats;
        (final.AdditionalProperties ??= [])[FinishReasonKey] = stats.FinishReason;
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
                        throw new ArgumentException($"the tool result for call '{result.CallId}' answers no earlier tool call", nameof(messages));
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
                toolCalls.Add(new ToolCall(call.Name, JsonSerializer.Serialize(call.Arguments ?? new Dictionary<string, object?>(), AIJson<IDictionary<string, object?>>())) { Id = call.CallId });
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

    /// <summary>Microsoft.Extensions.AI's JSON metadata for <typeparamref name="T"/> (its options, without reflection-only overloads).</summary>
    private static JsonTypeInfo<T> AIJson<T>() => (JsonTypeInfo<T>)AIJsonUtilities.DefaultOptions.GetTypeInfo(typeof(T));

    private static string ResultText(object? result) => result switch
    {
        null => "",
        string s => s,
        JsonElement { ValueKind: JsonValueKind.String } e => e.GetString()!,
        _ => JsonSerializer.Serialize(result, AIJson<object>()),
    };

    /// <summary>
    /// The token limit, stop sequences and sampling a request with <paramref name="options"/> runs with: the client's
    /// <see cref="GroveChatClientOptions.Generation"/> with whatever <paramref name="options"/> sets laid over it.
    /// </summary>
    /// <exception cref="ArgumentException">An option is out of range.</exception>
    public GenerationOptions GenerationOptionsFor(ChatOptions? options) => GenerationOptionsFor(options, Typed(options));

    /// <summary>The <see cref="GroveRequestOptions"/> of a request, if its raw representation is one.</summary>
    private GroveRequestOptions? Typed(ChatOptions? options) => options?.RawRepresentationFactory?.Invoke(this) as GroveRequestOptions;

    private GenerationOptions GenerationOptionsFor(ChatOptions? options, GroveRequestOptions? typed)
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
            MinP = typed?.MinP ?? generation.Sampler.MinP,
            RepetitionPenalty = typed?.RepetitionPenalty ?? generation.Sampler.RepetitionPenalty,
        };
        sampler.Validate();
        return generation with
        {
            MaxTokens = options.MaxOutputTokens is { } max
                ? max >= 1 ? max : throw new ArgumentOutOfRangeException(nameof(options), max, $"max output tokens must be >= 1 (got {max})")
                : generation.MaxTokens,
            StopSequences = options.StopSequences is { Count: > 0 } stops ? [.. stops] : generation.StopSequences,
            Sampler = sampler,
            IgnoreEos = typed?.IgnoreEos ?? generation.IgnoreEos,
            TopLogprobs = typed?.TopLogprobs ?? generation.TopLogprobs,
            Deadline = typed?.Deadline ?? generation.Deadline,
        };
    }

    /// <summary>The client itself, its <see cref="ChatClientMetadata"/> or its <see cref="LanguageModel"/>; null for anything else or any key.</summary>
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
