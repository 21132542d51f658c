using GroveMoE.Cpu.Generation;
using GroveMoE.Cpu.Model;
using GroveMoE.Cpu.Conversion.Synthetic;
using GroveMoE.Cpu.Conversion.Tokenization;
using GroveMoE.Cpu.Quantization;
using GroveMoE.Cpu.Tests.Model;
using GroveMoE.Cpu.Tokenization;

namespace GroveMoE.Cpu.Tests.Generation;

/// <summary>Continuous batching gives every sequence exactly what it gets alone: the same logits, bit for bit, and the same tokens.</summary>
public sealed class BatchSchedulerTests : IDisposable
{
    private readonly TempDirectory _dir = new();

    public void Dispose() => _dir.Dispose();

    [Theory]
    [InlineData(GgmlType.Q4_0, 41)]
    [InlineData(GgmlType.Q8_0, 42)]
    [InlineData(GgmlType.F16, 43)]
    public void ABatchOfSequencesHasTheLogitsOfEachAlone(GgmlType type, int seed)
    {
        var config = TestModels.RandomConfig(seed);
        using var model = GroveModel.Load(TestModels.Write(_dir.Path, config, type, seed: (ulong)seed));
        int vocab = config.Vocab;
        int[][] prompts = [TestModels.Prompt(seed, 6, vocab), TestModels.Prompt(seed + 1, 1, vocab), TestModels.Prompt(seed + 2, 3, vocab)];
        int[] history = TestModels.Prompt(seed + 3, 5, vocab);

        // Alone: each sequence in a forward of its own; the third continues after a cached history.
        var alone = prompts.Select((prompt, i) =>
        {
            using var forward = new GroveForward(model, 32, 2);
            var logits = new float[prompt.Length * vocab];
            if (i == 2) forward.Evaluate(history, new float[vocab]);
            forward.Evaluate(prompt, logits, allPositions: true);
            return logits;
        }).ToArray();

        // Together: one pass over all their rows, each sequence in its own cache.
        using var batched = new GroveForward(model, 32, 2, 8, KvCacheType.F32, maxSequences: 3);
        var batch = new SequenceBatch(batched.MaxRows, 3);
        for (int s = 0; s < 3; s++) batch.Caches[s] = s == 0 ? batched.Cache : new KvCache(config, 32);
        for (int t = 0; t < history.Length; t++) batch.Add(history[t], t, 2, logits: false);
        batched.EvaluateBatch(batch, []);
        batch.Clear();
        for (int s = 0; s < 3; s++)
            for (int t = 0; t < prompts[s].Length; t++) batch.Add(prompts[s][t], (s == 2 ? history.Length : 0) + t, s, logits: true);
        var together = new float[batch.LogitCount * vocab];
        batched.EvaluateBatch(batch, together);

        int row = 0;
        for (int s = 0; s < 3; s++)
        {
            for (int t = 0; t < prompts[s].Length; t++, row++)
                Assert.True(together.AsSpan(row * vocab, vocab).SequenceEqual(alone[s].AsSpan(t * vocab, vocab)),
                    $"sequence {s} token {t}: batched logits differ from the sequence alone");
        }
    }

    [Theory]
    [InlineData(GgmlType.Q4_0)]
    [InlineData(GgmlType.Q8_0)]
    public async Task ConcurrentSessionsGenerateTheTokensOfSequentialRuns(GgmlType type)
    {
        using var model = GroveModel.Load(ChatModel(type));
        var tokenizer = GroveTokenizer.FromMetadata(model.File.Metadata);
        var options = new SessionOptions { ContextLength = 512, Threads = 2, BatchSize = 16 };
        string[] texts = ["Hi", "A longer question about mixtures of experts, routing, adjugate groups and why they help", "Count: one two three",
            string.Join(' ', Enumerable.Repeat("grove", 40))];
        int[] maxTokens = [30, 9, 21, 14];
        var prompts = texts.Select(t => tokenizer.Encode(t)).ToArray();
        GenerationOptions Greedy(int i) => new() { MaxTokens = maxTokens[i], Sampler = SamplerOptions.Greedy };

        var sequential = new List<(int[] Tokens, string Text)>();
        for (int i = 0; i < prompts.Length; i++)
        {
            using var session = new InferenceSession(model, tokenizer, options);
            sequential.Add((await Tokens(session, prompts[i], Greedy(i)), LastText));
        }

        using var scheduler = new BatchScheduler(model, tokenizer, prompts.Length, options);
        var sessions = prompts.Select(_ => scheduler.OpenSession()).ToArray();
        // Staggered: later requests join while earlier ones are generating, their prompts in chunks between steps.
        var started = new List<Task<(int[] Tokens, string Text)>>();
        for (int i = 0; i < prompts.Length; i++)
        {
            int k = i;
            started.Add(Task.Run(async () =>
            {
                var text = new System.Text.StringBuilder();
                await foreach (var piece in sessions[k].GenerateAsync(prompts[k], Greedy(k))) text.Append(piece);
                return (sessions[k].Tokens.ToArray(), text.ToString());
            }));
            await Task.Delay(5);
        }
        var together = await Task.WhenAll(started);
        for (int i = 0; i < prompts.Length; i++)
        {
            Assert.Equal(sequential[i].Tokens, together[i].Tokens);
            Assert.Equal(sequential[i].Text, together[i].Text);
            Assert.True(together[i].Tokens.Length > prompts[i].Length, $"sequence {i} generated nothing");
        }
        foreach (var session in sessions) session.Dispose();
    }

    /// <summary>The tiny synthetic GroveMoE with the real Qwen3 tokenizer.</summary>
    private string ChatModel(GgmlType type)
    {
        string path = _dir.File($"chat-{type}.gguf");
        if (!File.Exists(path))
        {
            SyntheticModelWriter.Write(path, new SyntheticModelOptions(SyntheticPresets.Tiny(BuiltInTokenizer.Qwen3VocabSize), type, Seed: 17)
            {
                ExtraMetadata = BuiltInTokenizer.Qwen3Metadata(),
            });
        }
        return path;
    }

    private string LastText = "";

    private async Task<int[]> Tokens(InferenceSession session, int[] prompt, GenerationOptions options)
    {
        var text = new System.Text.StringBuilder();
        await foreach (var piece in session.GenerateAsync(prompt, options)) text.Append(piece);
        LastText = text.ToString();
        return session.Tokens.ToArray();
    }

    [Fact]
    public async Task ACancelledSessionLeavesAtTheNextStepAndOthersContinue()
    {
        using var model = GroveModel.Load(ChatModel(GgmlType.Q8_0));
        var tokenizer = GroveTokenizer.FromMetadata(model.File.Metadata);
        using var scheduler = new BatchScheduler(model, tokenizer, 2, new SessionOptions { ContextLength = 64, Threads = 2 });
        using var a = scheduler.OpenSession();
        using var b = scheduler.OpenSession();
        Assert.Throws<InvalidOperationException>(() => scheduler.OpenSession());
        using var cancel = new CancellationTokenSource();
        var greedy = new GenerationOptions { MaxTokens = 40, Sampler = SamplerOptions.Greedy };
        var first = Task.Run(async () =>
        {
            GenerationStats? stats = null;
            await foreach (var update in a.GenerateAsync([1, 2, 3], greedy, cancel.Token))
            {
                stats = update.Stats;
                cancel.Cancel();
            }
            return stats!;
        });
        var second = Task.Run(async () => (await b.GenerateAsync([4, 5], greedy).CollectAsync()).Stats);
        var (statsA, statsB) = (await first, await second);
        Assert.Equal(FinishReason.Cancelled, statsA.FinishReason);
        Assert.True(statsA.GeneratedTokens < 40);
        Assert.NotEqual(FinishReason.Cancelled, statsB.FinishReason);
    }
}
