using GroveMoE.Cpu.Generation;
using GroveMoE.Cpu.Model;

namespace GroveMoE.Cpu.Tests.Generation;

public class InferenceSessionTests(TinyChatModelFixture fixture) : IClassFixture<TinyChatModelFixture>
{
    private static readonly SessionOptions Small = new() { ContextLength = 256, Threads = 2 };

    private static async Task<(string Text, GenerationStats Stats)> Generate(InferenceSession session, IReadOnlyList<int> prompt,
        GenerationOptions options, CancellationToken cancel = default)
    {
        return await session.GenerateAsync(prompt, options, cancel).CollectAsync();
    }

    [Fact]
    public async Task GreedyTokensAreTheArgmaxOfAnIndependentEvaluation()
    {
        var prompt = fixture.Tokenizer.Encode("The quick brown fox");
        using var session = new InferenceSession(fixture.Model, fixture.Tokenizer, Small);
        var (text, stats) = await Generate(session, prompt, new GenerationOptions { MaxTokens = 12, Sampler = SamplerOptions.Greedy });
        var sequence = session.Tokens.ToArray();
        Assert.Equal(prompt, sequence[..prompt.Length]);

        // Evaluate prompt + generated tokens in one batch from scratch; each generated token must be the argmax
        // of the logits at the position before it (with the session's KV cache type, which rounds alike).
        using var forward = new GroveForward(fixture.Model, 256, 1, kvCacheType: Small.KvCacheType);
        int vocab = fixture.Model.Config.Vocab;
        var logits = new float[sequence.Length * vocab];
        forward.Evaluate(sequence, logits, allPositions: true);
        for (int i = prompt.Length; i < sequence.Length; i++)
        {
            var row = logits.AsSpan((i - 1) * vocab, vocab);
            Assert.Equal(System.Numerics.Tensors.TensorPrimitives.IndexOfMax(row), sequence[i]);
        }
        Assert.Equal(fixture.Tokenizer.Decode(sequence.AsSpan(prompt.Length)), text);
        Assert.Equal(12, stats.GeneratedTokens);
    }

    [Fact]
    public async Task SameSeedSameTextAndADifferentSeedDiffers()
    {
        var prompt = fixture.Tokenizer.Encode("Once upon a time");
        var sampler = new SamplerOptions { Temperature = 1.5f, TopK = 0, TopP = 1, MinP = 0 };
        async Task<string> Run(ulong seed)
        {
            using var session = new InferenceSession(fixture.Model, fixture.Tokenizer, Small);
            return (await Generate(session, prompt, new GenerationOptions { MaxTokens = 16, Sampler = sampler with { Seed = seed } })).Text;
        }
        Assert.Equal(await Run(1), await Run(1));
        Assert.NotEqual(await Run(1), await Run(2));
    }

    [Fact]
    public async Task ASecondPromptSharingAPrefixReusesTheCacheAndMatchesAFreshSession()
    {
        var first = fixture.Tokenizer.Encode("<|im_start|>user\nHello<|im_end|>\n<|im_start|>assistant\n");
        var second = fixture.Tokenizer.Encode("<|im_start|>user\nHello<|im_end|>\n<|im_start|>assistant\nHi<|im_end|>\n<|im_start|>user\nAgain<|im_end|>\n");
        var options = new GenerationOptions { MaxTokens = 8, Sampler = SamplerOptions.Greedy };

        using var reused = new InferenceSession(fixture.Model, fixture.Tokenizer, Small);
        await Generate(reused, first, options);
        var (text, stats) = await Generate(reused, second, options);
        Assert.True(stats.ReusedTokens >= first.Length, $"reused {stats.ReusedTokens} of a {first.Length}-token prefix");

        using var fresh = new InferenceSession(fixture.Model, fixture.Tokenizer, Small);
        var (expected, freshStats) = await Generate(fresh, second, options);
        Assert.Equal(0, freshStats.ReusedTokens);
        Assert.Equal(expected, text);
    }

    [Fact]
    public async Task StopSequencesEndTheAnswerBeforeThem()
    {
        var prompt = fixture.Tokenizer.Encode("Count:");
        var greedy = new GenerationOptions { MaxTokens = 20, Sampler = SamplerOptions.Greedy };
        using var session = new InferenceSession(fixture.Model, fixture.Tokenizer, Small);
        var (full, _) = await Generate(session, prompt, greedy);
        string stop = full.Substring(full.Length / 2, Math.Min(3, full.Length - full.Length / 2));
        var (cut, stats) = await Generate(session, prompt, greedy with { StopSequences = [stop] });
        Assert.Equal(full[..full.IndexOf(stop, StringComparison.Ordinal)], cut);
        Assert.Equal(FinishReason.Stop, stats.FinishReason);
    }

    [Fact]
    public async Task CancellationEndsTheStreamAndTheSessionStaysUsable()
    {
        var prompt = fixture.Tokenizer.Encode("Tell me a story");
        using var session = new InferenceSession(fixture.Model, fixture.Tokenizer, Small);
        using var cancel = new CancellationTokenSource();
        int pieces = 0;
        GenerationStats? cancelled = null;
        await foreach (var update in session.GenerateAsync(prompt, new GenerationOptions { MaxTokens = 100, Sampler = new SamplerOptions { Seed = 5 } }, cancel.Token))
        {
            cancelled = update.Stats;
            if (++pieces == 3) cancel.Cancel();
        }
        Assert.Equal(FinishReason.Cancelled, cancelled!.FinishReason);
        Assert.True(cancelled.GeneratedTokens < 100);
        var (_, stats) = await Generate(session, prompt, new GenerationOptions { MaxTokens = 4, Sampler = new SamplerOptions { Seed = 6 } });
        Assert.Equal(4, stats.GeneratedTokens);
    }

    [Fact]
    public async Task APromptLongerThanTheContextIsAClearErrorAndGenerationStopsWhenFull()
    {
        using var session = new InferenceSession(fixture.Model, fixture.Tokenizer, Small with { ContextLength = 32 });
        var tooLong = Enumerable.Repeat(fixture.Tokenizer.Encode("word ")[0], 40).ToArray();
        await Assert.ThrowsAsync<ContextFullException>(async () => await Generate(session, tooLong, new GenerationOptions()));
        var (_, stats) = await Generate(session, tooLong[..20], new GenerationOptions { MaxTokens = 100, Sampler = SamplerOptions.Greedy });
        Assert.Equal(FinishReason.ContextFull, stats.FinishReason);
        Assert.True(session.Tokens.Count <= 32);
    }
}
