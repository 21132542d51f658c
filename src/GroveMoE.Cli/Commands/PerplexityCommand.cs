using System.CommandLine;
using System.Numerics.Tensors;
using GroveMoE.Cpu.CommandLine;
using GroveMoE.Cpu.Model;
using GroveMoE.Cpu.Tokenization;
using Spectre.Console;

namespace GroveMoE.Cli.Commands;

/// <summary>
/// <c>grove perplexity</c>: perplexity of a text file, computed as llama.cpp's tool does — the tokens are cut into
/// chunks of the context length, each evaluated from an empty cache, and only each chunk's second half is scored,
/// so every scored token has at least half a context of history. <c>--kl-divergence-base FILE</c> saves the scored
/// positions' log-probabilities; <c>--kl-divergence</c> then compares another model's with them (mean KL divergence,
/// its 99th percentile, top-1 agreement and the perplexity ratio), as llama-perplexity does.
/// </summary>
internal static class PerplexityCommand
{
    public static Command Create()
    {
        var model = new ModelSource();
        var threads = ModelOptions.Threads();
        var context = new Option<int>("--ctx", "-c") { Description = "chunk length in tokens", DefaultValueFactory = _ => 512 }.InRange(16, 1 << 20);
        var file = new Option<FileInfo>("--file", "-f") { Description = "UTF-8 text to score", Required = true }.ExistingFile();
        var chunks = new Option<int>("--chunks") { Description = "score at most this many chunks (0: all)" }.InRange(0, int.MaxValue);
        var klBase = new Option<FileInfo?>("--kl-divergence-base")
        {
            Description = "file of the base model's log-probabilities: written, or read with --kl-divergence",
        };
        var kvType = ModelOptions.KvCache();
        var kl = new Option<bool>("--kl-divergence") { Description = "compare with the --kl-divergence-base file instead of writing it" };
        var command = new Command("perplexity", "Measure a model's perplexity on a text file, or its KL divergence from a base model")
        {
            threads, context, file, chunks, klBase, kl, kvType,
        };
        model.AddTo(command);
        command.SetAction(async (parse, cancel) => Run(new FileInfo(await model.ResolveOrDemoAsync(parse, cancel)), parse.GetValue(threads), parse.GetValue(context),
            parse.GetRequiredValue(file), parse.GetValue(chunks), parse.GetValue(klBase)?.FullName, parse.GetValue(kl), parse.GetValue(kvType)));
        return command;
    }

    private static int Run(FileInfo modelFile, int threads, int contextLength, FileInfo textFile, int maxChunks, string? klBasePath, bool compare,
        KvCacheType kvType)
    {
        if (compare && klBasePath is null) throw new UserInputException("--kl-divergence needs --kl-divergence-base FILE");
        if (contextLength < 8) throw new UserInputException("--ctx must be at least 8");
        if (threads < 1) throw new UserInputException("--threads must be at least 1");
        string text = File.ReadAllText(textFile.FullName);
        using var loaded = GroveModel.Load(modelFile.FullName);
        var tokens = GroveTokenizer.FromMetadata(loaded.File.Metadata).Encode(text);
        int chunkCount = tokens.Length / contextLength;
        if (maxChunks > 0) chunkCount = Math.Min(chunkCount, maxChunks);
        if (chunkCount == 0)
            throw new UserInputException($"{textFile.Name} has {tokens.Length} tokens; at least --ctx ({contextLength}) are needed");

        int vocab = loaded.Config.Vocab;
        using var klBase = klBasePath is null ? null
            : compare ? OpenBase(klBasePath, vocab, contextLength, chunkCount, tokens)
            : KlDivergenceBase.Create(klBasePath, vocab, contextLength, chunkCount, tokens.AsSpan(0, chunkCount * contextLength));
        var klStats = compare ? new KlDivergenceStats() : null;
        var logProbs = new float[vocab];
        var baseLogProbs = new float[vocab];
        using var forward = new GroveForward(loaded, contextLength, threads, Math.Min(contextLength, 512), kvType);
        var logits = new float[contextLength * vocab];
        double nll = 0, nllSquares = 0;
        int scored = 0;
        var console = StandardError.Console;
        for (int c = 0; c < chunkCount; c++)
        {
            var chunk = tokens.AsSpan(c * contextLength, contextLength);
            forward.Rewind(0);
            forward.Evaluate(chunk, logits, allPositions: true);
            for (int i = contextLength / 2; i < contextLength - 1; i++)
            {
                var row = logits.AsSpan(i * vocab, vocab);
                double loss = LogSumExp(row) - row[chunk[i + 1]];
                nll += loss;
                nllSquares += loss * loss;
                scored++;
                if (klStats is not null)
                {
                    klBase!.Read(baseLogProbs);
                    KlDivergenceBase.LogSoftmax(row, logProbs);
                    klStats.Add(baseLogProbs, logProbs, chunk[i + 1]);
                }
                else klBase?.Write(row, logProbs);
            }
            console.MarkupLineInterpolated($"[grey][[{c + 1}/{chunkCount}]] ppl {Math.Exp(nll / scored):F4}[/]");
        }
        double mean = nll / scored;
        double error = Math.Sqrt(Math.Max(0, nllSquares / scored - mean * mean) / Math.Max(1, scored - 1));
        Console.WriteLine($"perplexity {Math.Exp(mean):F4} ± {Math.Exp(mean) * error:F4} over {scored} tokens ({chunkCount} chunks of {contextLength})");
        if (klStats is not null) Console.WriteLine(klStats.Summary());
        else if (klBasePath is not null) Console.WriteLine($"saved the log-probabilities of {scored} positions to {klBasePath}");
        return 0;
    }

    /// <summary>The saved base, which must come from the same text, chunking and vocabulary.</summary>
    private static KlDivergenceBase OpenBase(string path, int vocab, int contextLength, int chunkCount, int[] tokens)
    {
        var saved = KlDivergenceBase.Open(path);
        string? mismatch = saved.Vocab != vocab ? $"a vocabulary of {saved.Vocab}, this model {vocab}"
            : saved.ContextLength != contextLength ? $"--ctx {saved.ContextLength}"
            : saved.Chunks != chunkCount ? $"{saved.Chunks} chunks, this run {chunkCount}"
            : !saved.Tokens.AsSpan().SequenceEqual(tokens.AsSpan(0, saved.Tokens.Length)) ? "different text (its tokens differ)"
            : null;
        if (mismatch is null) return saved;
        saved.Dispose();
        throw new UserInputException($"{path} was saved with {mismatch}; rerun it with the same --file, --ctx and --chunks");
    }

    private static double LogSumExp(ReadOnlySpan<float> row)
    {
        float max = TensorPrimitives.Max(row);
        double sum = 0;
        foreach (float v in row) sum += Math.Exp(v - max);
        return max + Math.Log(sum);
    }
}
