using System.Diagnostics;
using GroveMoE.Cpu.Generation;
using GroveMoE.Cpu.Gguf;
using GroveMoE.Cpu.Grammar;
using GroveMoE.Cpu.Tokenization;

namespace GroveMoE.Cpu.Bench;

/// <summary>
/// <c>grammar MODEL SCHEMA [walks] [tokens] [repeats]</c>: what a grammar adds to each decoded token, without the
/// model. Seeded random logits over the file's vocabulary go through the sampler free, with the grammar's whole mask,
/// and with the sampler's grammar path (asking the grammar about the best tokens first); each walk is replayed
/// <c>repeats</c> times on a freshly compiled grammar (a first request: every state new) and then once more on the
/// shared one (a later request with the same schema), keeping the fastest replay, so it stays meaningful on a
/// loaded machine. Random logits wander through more states than a model does.
/// </summary>
public static class GrammarProbe
{
    private enum Mode { Free, Mask, Lazy, LazyWarm }

    public static void Run(string[] args)
    {
        using var file = GgufFile.Open(args[1]);
        var tokenizer = GroveTokenizer.FromMetadata(file.Metadata);
        string schema = File.ReadAllText(args[2]);
        int walks = args.Length > 3 ? int.Parse(args[3]) : 4;
        int tokens = args.Length > 4 ? int.Parse(args[4]) : 48;
        int repeats = args.Length > 5 ? int.Parse(args[5]) : 3;
        var clock = Stopwatch.StartNew();
        _ = TokenTrie.For(tokenizer);
        Console.WriteLine($"token trie: {clock.Elapsed.TotalMilliseconds:F0} ms (once per tokenizer)");
        Console.WriteLine("walk: tokens, best ms/token of free sampling | whole mask (new grammar) | grammar path (new grammar) | grammar path (same schema again)");
        var logits = new float[tokenizer.VocabSize];
        for (int walk = 0; walk < walks; walk++)
        {
            var best = new double[4];
            int steps = 0;
            CompiledGrammar? shared = null;
            foreach (var mode in (Mode[])[Mode.Free, Mode.Mask, Mode.Lazy, Mode.LazyWarm])
            {
                best[(int)mode] = double.MaxValue;
                for (int r = 0; r < (mode == Mode.LazyWarm ? 1 : repeats); r++)
                {
                    var grammar = mode == Mode.LazyWarm ? shared! : CompiledGrammar.FromJsonSchema(schema);
                    if (mode == Mode.Lazy) shared = grammar;
                    var (seconds, n) = Replay(mode, grammar, tokenizer, logits, walk, tokens);
                    if (mode != Mode.Free) steps = n;
                    best[(int)mode] = Math.Min(best[(int)mode], seconds);
                }
            }
            Console.WriteLine($"walk {walk}: {steps} tokens, {best[0] / tokens * 1e3:F3} | {best[1] / steps * 1e3:F3} | " +
                $"{best[2] / steps * 1e3:F3} | {best[3] / steps * 1e3:F3}");
        }
    }

    private static (double Seconds, int Steps) Replay(Mode mode, CompiledGrammar grammar, GroveTokenizer tokenizer, float[] logits, int walk, int tokens)
    {
        var matcher = mode == Mode.Free ? null : new GrammarMatcher(grammar, tokenizer);
        var sampler = new Sampler(new SamplerOptions { Temperature = 1, TopK = 40, TopP = 0.95f, MinP = 0.05f, Seed = (ulong)walk }, tokenizer.VocabSize);
        var random = new Random(walk);
        double seconds = 0;
        int steps = 0;
        for (; steps < tokens && matcher?.CanContinue != false; steps++)
        {
            for (int i = 0; i < logits.Length; i++) logits[i] = (float)(random.NextDouble() * 8);
            long start = Stopwatch.GetTimestamp();
            int token = mode switch
            {
                Mode.Free => sampler.Sample(logits, []),
                Mode.Mask => sampler.Sample(logits, [], matcher!.AllowedTokens),
                _ => sampler.Sample(logits, [], matcher!),
            };
            bool go = matcher is null || token >= 0 && !tokenizer.IsStop(token) && matcher.Accept(token);
            seconds += Stopwatch.GetElapsedTime(start).TotalSeconds;
            if (!go) break;
        }
        return (seconds, steps);
    }
}
