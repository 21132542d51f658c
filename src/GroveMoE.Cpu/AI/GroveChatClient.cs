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
/// Tools and response formats are not supported and are ignored.
/// </remarks>
public sealed class GroveChatClient : IChatClient
{
    /// <summary>The <c>AdditionalProperties</c> key that turns Qwen3's thinking on or off for one request.</summary>
    public const string EnableThinkingKey = "enable_thinking";

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

    public async Task<ChatResponse> GetResponseAsync(IEnumerable<ChatMessage> messages, ChatOptions? options = null,
        CancellationToken cancellationToken = default)
    {
        var text = new StringBuilder();
        ChatResponseUpdate? last = null;
        UsageDetails? usage = null;
        await foreach (var update in GetStreamingResponseAsync(messages, options, cancellationToken).ConfigureAwait(false))
        {
            text.Append(update.Text);
            foreach (var content in update.Contents) if (content is UsageContent u) usage = u.Details;
            last = update;
        }
        return new ChatResponse(new ChatMessage(ChatRole.Assistant, text.ToString()) { MessageId = last?.MessageId })
        {
            ResponseId = last?.ResponseId,
            ModelId = _model.Name,
            CreatedAt = last?.CreatedAt,
            FinishReason = last?.FinishReason,
            Usage = usage,
        };
    }

    public async IAsyncEnumerable<ChatResponseUpdate> GetStreamingResponseAsync(IEnumerable<ChatMessage> messages,
        ChatOptions? options = null, [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        var history = ToHistory(messages);
        var generation = ToGeneration(options);
        int[] prompt = _model.EncodeChat(history, ThinkingFor(options));

        string id = $"chatcmpl-{Guid.NewGuid():N}";
        var created = DateTimeOffset.UtcNow;
        using var lease = await _pool.RentAsync(prompt, cancellationToken).ConfigureAwait(false);
        var session = lease.Session;
        await foreach (var piece in session.GenerateAsync(prompt, generation, cancellationToken).ConfigureAwait(false))
        {
            yield return new ChatResponseUpdate(ChatRole.Assistant, piece)
            {
                ResponseId = id, MessageId = id, CreatedAt = created, ModelId = _model.Name,
            };
        }
        cancellationToken.ThrowIfCancellationRequested();

        var stats = session.LastStats!;
        var usage = new UsageDetails
        {
            InputTokenCount = stats.PromptTokens,
            OutputTokenCount = stats.GeneratedTokens,
            TotalTokenCount = stats.PromptTokens + stats.GeneratedTokens,
            CachedInputTokenCount = stats.ReusedTokens,
        };
        yield return new ChatResponseUpdate(ChatRole.Assistant, [new UsageContent(usage)])
        {
            ResponseId = id, MessageId = id, CreatedAt = created, ModelId = _model.Name,
            FinishReason = stats.FinishReason == FinishReason.Stop ? ChatFinishReason.Stop : ChatFinishReason.Length,
        };
    }

    private static List<ChatTurn> ToHistory(IEnumerable<ChatMessage> messages)
    {
        var history = new List<ChatTurn>();
        foreach (var message in messages)
        {
            AuthorRole role = message.Role == ChatRole.System ? AuthorRole.System
                : message.Role == ChatRole.User ? AuthorRole.User
                : message.Role == ChatRole.Assistant ? AuthorRole.Assistant
                : throw new NotSupportedException($"messages with role '{message.Role}' are not supported");
            history.Add(new ChatTurn(role, message.Text));
        }
        if (history.Count == 0) throw new ArgumentException("the request has no messages", nameof(messages));
        return history;
    }

    internal GenerationOptions ToGeneration(ChatOptions? options)
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
