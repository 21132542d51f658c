using GroveMoE.Cpu.AI;
using GroveMoE.Cpu.Generation;
using Microsoft.Extensions.AI;
using Microsoft.Extensions.Caching.Distributed;
using Microsoft.Extensions.Caching.Memory;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace GroveMoE.Cpu.Tests.AI;

public sealed class GroveChatClientTests(TinyLanguageModelFixture tiny) : IClassFixture<TinyLanguageModelFixture>
{
    private static ChatOptions Greedy(int maxTokens = 12) => new() { Temperature = 0, MaxOutputTokens = maxTokens };

    /// <summary>What a fresh session generates from the template's rendering of the history: the reference.</summary>
    private (string Text, GenerationStats Stats) Reference(IReadOnlyList<ChatTurn> history, int maxTokens = 12,
        bool thinking = true, IReadOnlyList<string>? stops = null) =>
        tiny.Generate(tiny.Model.Tokenizer.Encode(tiny.Model.ChatTemplate.Render(null, history, thinking)),
            new GenerationOptions { MaxTokens = maxTokens, Sampler = SamplerOptions.Greedy, StopSequences = stops ?? [] });

    [Fact]
    public async Task ResponseAndStreamMatchAFreshSessionWithUsageCounted()
    {
        using var client = new GroveChatClient(tiny.Model);
        ChatMessage[] messages = [new(ChatRole.System, "You are terse."), new(ChatRole.User, "Hello there")];
        var (expected, stats) = Reference([new(AuthorRole.System, "You are terse."), new(AuthorRole.User, "Hello there")]);

        var response = await client.GetResponseAsync(messages, Greedy());
        Assert.Equal(expected, response.Text);
        Assert.Equal(stats.PromptTokens, response.Usage!.InputTokenCount);
        Assert.Equal(stats.GeneratedTokens, response.Usage.OutputTokenCount);
        Assert.Equal(stats.PromptTokens + stats.GeneratedTokens, response.Usage.TotalTokenCount);
        Assert.Equal(stats.FinishReason == FinishReason.Stop ? ChatFinishReason.Stop : ChatFinishReason.Length, response.FinishReason);
        Assert.Equal("tiny", response.ModelId);

        var pieces = new List<string>();
        await foreach (var update in client.GetStreamingResponseAsync(messages, Greedy())) pieces.Add(update.Text);
        Assert.True(pieces.Count > 2);
        Assert.Equal(expected, string.Concat(pieces));
    }

    [Fact]
    public async Task OptionsMapToTheSampler()
    {
        using var client = new GroveChatClient(tiny.Model);
        ChatMessage[] messages = [new(ChatRole.User, "Count to ten")];
        var history = new List<ChatTurn> { new(AuthorRole.User, "Count to ten") };

        var short3 = await client.GetResponseAsync(messages, Greedy(3));
        Assert.Equal(3, short3.Usage!.OutputTokenCount);
        Assert.Equal(ChatFinishReason.Length, short3.FinishReason);

        var noThink = Greedy();
        noThink.RawRepresentationFactory = _ => new GroveRequestOptions { Thinking = false };
        var (expectedNoThink, statsNoThink) = Reference(history, thinking: false);
        var answer = await client.GetResponseAsync(messages, noThink);
        Assert.Equal(expectedNoThink, answer.Text);
        Assert.Equal(statsNoThink.PromptTokens, answer.Usage!.InputTokenCount);

        string full = Reference(history, maxTokens: 24).Text;
        string stop = full.Substring(full.Length / 2, Math.Min(3, full.Length - full.Length / 2));
        var stopped = Greedy(24);
        stopped.StopSequences = [stop];
        var cut = await client.GetResponseAsync(messages, stopped);
        Assert.Equal(full[..full.IndexOf(stop, StringComparison.Ordinal)], cut.Text);
        Assert.Equal(ChatFinishReason.Stop, cut.FinishReason);

        var seeded = new ChatOptions { Temperature = 1.5f, TopK = 50, TopP = 0.9f, Seed = 42, MaxOutputTokens = 12 };
        var again = seeded.Clone();
        Assert.Equal((await client.GetResponseAsync(messages, seeded)).Text, (await client.GetResponseAsync(messages, again)).Text);
        var referenceSeeded = tiny.Generate(tiny.Model.EncodeChat(history), new GenerationOptions
        {
            MaxTokens = 12,
            Sampler = new SamplerOptions { Temperature = 1.5f, TopK = 50, TopP = 0.9f, Seed = 42 },
        });
        Assert.Equal(referenceSeeded.Text, (await client.GetResponseAsync(messages, seeded)).Text);

        await Assert.ThrowsAsync<ArgumentException>(() => client.GetResponseAsync(messages, new ChatOptions { Temperature = -1 }));

        // The typed options reach the sampler: a min-p of 1 keeps only the most likely token, so sampling is greedy.
        var typed = new ChatOptions
        {
            Temperature = 1.5f, Seed = 7, MaxOutputTokens = 12,
            RawRepresentationFactory = _ => new GroveRequestOptions { MinP = 1f, RepetitionPenalty = 1f },
        };
        Assert.Equal(Reference(history).Text, (await client.GetResponseAsync(messages, typed)).Text);
        Assert.Equal(1f, client.GenerationOptionsFor(typed).Sampler.MinP);
        var badMinP = new ChatOptions { RawRepresentationFactory = _ => new GroveRequestOptions { MinP = 2f } };
        Assert.Equal("MinP", (await Assert.ThrowsAsync<ArgumentException>(() => client.GetResponseAsync(messages, badMinP))).ParamName);
    }

    [Fact]
    public async Task AFullContextFinishesAsLengthToldApartFromTheTokenLimitAndTheFinalUpdateCarriesTheStats()
    {
        ChatMessage[] messages = [new(ChatRole.User, "Count to ten")];
        int promptTokens = tiny.Model.EncodeChat([new(AuthorRole.User, "Count to ten")]).Length;
        using var small = new GroveChatClient(tiny.Model, new GroveChatClientOptions
        {
            Session = TinyLanguageModelFixture.Session with { ContextLength = promptTokens + 3 },
            Generation = new GenerationOptions { IgnoreEos = true },
        });
        var full = await small.GetResponseAsync(messages, Greedy(50));
        Assert.Equal(ChatFinishReason.Length, full.FinishReason);
        // ToChatResponseAsync keeps an update's AdditionalProperties on the message it builds.
        Assert.Equal(FinishReason.ContextFull, full.Messages[^1].AdditionalProperties?[GroveChatClient.FinishReasonKey]);

        using var client = new GroveChatClient(tiny.Model, new GroveChatClientOptions { Generation = new GenerationOptions { IgnoreEos = true } });
        var updates = new List<ChatResponseUpdate>();
        await foreach (var update in client.GetStreamingResponseAsync(messages, Greedy(3))) updates.Add(update);
        var final = updates[^1];
        Assert.Equal(ChatFinishReason.Length, final.FinishReason);
        Assert.Equal(FinishReason.Length, final.AdditionalProperties?[GroveChatClient.FinishReasonKey]);
        var stats = Assert.IsType<GenerationStats>(final.RawRepresentation);
        Assert.Equal(3, stats.GeneratedTokens);
        Assert.Equal(stats.PromptTokens, Assert.IsType<UsageContent>(Assert.Single(final.Contents)).Details.InputTokenCount);
    }

    [Fact]
    public async Task AHistoryThatExtendsTheLastReusesItsCache()
    {
        using var client = new GroveChatClient(tiny.Model);
        var messages = new List<ChatMessage> { new(ChatRole.User, "Tell me a story") };
        var first = await client.GetResponseAsync(messages, Greedy());
        Assert.Equal(0, first.Usage!.CachedInputTokenCount);

        messages.AddRange(first.Messages);
        messages.Add(new ChatMessage(ChatRole.User, "And then?"));
        var second = await client.GetResponseAsync(messages, Greedy());
        Assert.True(second.Usage!.CachedInputTokenCount >= first.Usage.InputTokenCount,
            $"reused {second.Usage.CachedInputTokenCount} of the first prompt's {first.Usage.InputTokenCount} tokens");

        var (expected, _) = Reference([new(AuthorRole.User, "Tell me a story"), new(AuthorRole.Assistant, first.Text),
            new(AuthorRole.User, "And then?")]);
        Assert.Equal(expected, second.Text);
    }

    [Fact]
    public async Task CancellationStopsTheStream()
    {
        using var client = new GroveChatClient(tiny.Model);
        using var cancel = new CancellationTokenSource();
        int seen = 0;
        await Assert.ThrowsAnyAsync<OperationCanceledException>(async () =>
        {
            await foreach (var _ in client.GetStreamingResponseAsync([new(ChatRole.User, "Go on forever")], Greedy(400), cancel.Token))
                if (++seen == 2) cancel.Cancel();
        });
        Assert.Equal(2, seen);
    }

    [Fact]
    public async Task WorksInsideTheMicrosoftExtensionsAiPipelineWithCachingAndLogging()
    {
        using var grove = new GroveChatClient(tiny.Model);
        var counting = new CountingChatClient(grove);
        var logs = new ListLoggerProvider();
        using var loggerFactory = LoggerFactory.Create(b => b.AddProvider(logs).SetMinimumLevel(LogLevel.Trace));
        IDistributedCache cache = new MemoryDistributedCache(Options.Create(new MemoryDistributedCacheOptions()));
        using var pipeline = new ChatClientBuilder(counting)
            .UseDistributedCache(cache)
            .UseLogging(loggerFactory)
            .Build();

        ChatMessage[] messages = [new(ChatRole.User, "What is a grove?")];
        var (expected, _) = Reference([new(AuthorRole.User, "What is a grove?")]);
        var first = await pipeline.GetResponseAsync(messages, Greedy());
        var second = await pipeline.GetResponseAsync(messages, Greedy());
        Assert.Equal(expected, first.Text);
        Assert.Equal(expected, second.Text);
        Assert.Equal(1, counting.Calls); // the second came from the cache

        var streamed = new System.Text.StringBuilder();
        await foreach (var update in pipeline.GetStreamingResponseAsync([new(ChatRole.User, "Another question")], Greedy()))
            streamed.Append(update.Text);
        Assert.Equal(Reference([new(AuthorRole.User, "Another question")]).Text, streamed.ToString());
        Assert.Equal(2, counting.Calls);

        Assert.Contains(logs.Messages, m => m.Contains("GetResponseAsync", StringComparison.Ordinal));
        Assert.Contains(logs.Messages, m => m.Contains("GetStreamingResponseAsync", StringComparison.Ordinal));
        Assert.Same(tiny.Model, pipeline.GetService<LanguageModel>());
    }

    private sealed class CountingChatClient(IChatClient inner) : DelegatingChatClient(inner)
    {
        public int Calls;

        public override Task<ChatResponse> GetResponseAsync(IEnumerable<ChatMessage> messages, ChatOptions? options = null, CancellationToken cancellationToken = default)
        {
            Interlocked.Increment(ref Calls);
            return base.GetResponseAsync(messages, options, cancellationToken);
        }

        public override IAsyncEnumerable<ChatResponseUpdate> GetStreamingResponseAsync(IEnumerable<ChatMessage> messages, ChatOptions? options = null, CancellationToken cancellationToken = default)
        {
            Interlocked.Increment(ref Calls);
            return base.GetStreamingResponseAsync(messages, options, cancellationToken);
        }
    }

    private sealed class ListLoggerProvider : ILoggerProvider, ILogger
    {
        public List<string> Messages { get; } = [];
        public ILogger CreateLogger(string categoryName) => this;
        public IDisposable? BeginScope<TState>(TState state) where TState : notnull => null;
        public bool IsEnabled(LogLevel logLevel) => true;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
        {
            lock (Messages) Messages.Add(formatter(state, exception));
        }

        public void Dispose() { }
    }
}
