using System.Text;
using System.Text.Json;
using GroveMoE.Cpu.Generation;
using GroveMoE.Cpu.Grammar;
using GroveMoE.Cpu.Tests.Tokenization;
using GroveMoE.Cpu.Tokenization;

namespace GroveMoE.Cpu.Tests.Grammar;

/// <summary>
/// Drives a grammar over the real Qwen3 vocabulary with random logits through the real sampler, as a model would.
/// After <c>freeSteps</c> tokens it steers to the end: of the allowed tokens it takes the one that leaves the fewest
/// bytes to finish (every byte is a token, so this always gets there).
/// </summary>
internal static class GrammarWalk
{
    public static GroveTokenizer Tokenizer => Qwen3TokenizerFixture.Tokenizer;

    public static string Generate(CompiledGrammar grammar, Random random, int freeSteps = 60, int maxSteps = 4000)
    {
        var tokenizer = Tokenizer;
        var matcher = new GrammarMatcher(grammar, tokenizer);
        var sampler = new Sampler(new SamplerOptions { Seed = (ulong)random.Next(), Temperature = 1, TopK = 40, TopP = 1, MinP = 0 }, tokenizer.VocabSize);
        var logits = new float[tokenizer.VocabSize];
        var ids = new List<int>();
        for (int step = 0; step < maxSteps && matcher.CanContinue; step++)
        {
            int token;
            if (step < freeSteps)
            {
                for (int i = 0; i < logits.Length; i++) logits[i] = (float)(random.NextDouble() * 8);
                token = sampler.Sample(logits, [], matcher.AllowedTokens);
            }
            else
            {
                if (matcher.IsComplete) break;
                token = Closest(matcher, random);
            }
            Assert.True(token >= 0, "the grammar allowed no token before the text was complete");
            if (tokenizer.IsStop(token)) break;
            Assert.True(matcher.Accept(token), $"the mask allowed token {token} but the matcher refused it");
            ids.Add(token);
        }
        Assert.True(matcher.IsComplete, "the walk ended before the text was complete");
        return DecodeStrict(ids);
    }

    /// <summary>The text, failing on bytes that are not UTF-8 (the grammar must never allow them).</summary>
    public static string DecodeStrict(List<int> ids)
    {
        var bytes = new List<byte>();
        foreach (int id in ids) bytes.AddRange(Tokenizer.TokenBytes(id).ToArray());
        return new UTF8Encoding(false, throwOnInvalidBytes: true).GetString([.. bytes]);
    }

    /// <summary>The single-byte tokens: along a shortest completion there is always one of them that is allowed.</summary>
    private static readonly Lazy<int[]> ByteTokens = new(() => Enumerable.Range(0, Tokenizer.VocabSize)
        .Where(id => !Tokenizer.IsSpecial(id) && Tokenizer.TokenBytes(id).Length == 1).ToArray());

    private static int Closest(GrammarMatcher matcher, Random random)
    {
        var automaton = matcher.Automaton;
        int best = -1, bestLeft = int.MaxValue, ties = 0;
        foreach (int id in ByteTokens.Value)
        {
            int next = automaton.Next(matcher.State, Tokenizer.TokenBytes(id));
            if (next == GrammarAutomaton.Dead) continue;
            int left = automaton.MinBytesToFinish(next);
            if (left < bestLeft) (best, bestLeft, ties) = (id, left, 1);
            else if (left == bestLeft && random.Next(++ties) == 0) best = id;
        }
        return best;
    }

    /// <summary>Whether the grammar accepts exactly <paramref name="text"/> (byte by byte, no tokens involved).</summary>
    public static bool Accepts(CompiledGrammar grammar, string text) => Accepts(Automaton(grammar), text);

    public static GrammarAutomaton Automaton(CompiledGrammar grammar) => new(grammar, TokenTrie.For(Tokenizer), Tokenizer.StopIds);

    public static bool Accepts(GrammarAutomaton automaton, string text)
    {
        int state = automaton.Next(automaton.Start, Encoding.UTF8.GetBytes(text));
        return state != GrammarAutomaton.Dead && automaton.IsAccepting(state);
    }

    /// <summary>True when some object in the document repeats a key (JSON allows it; JSON Schema says nothing of it).</summary>
    public static bool HasDuplicateKeys(JsonElement element) => element.ValueKind switch
    {
        JsonValueKind.Object => element.EnumerateObject().GroupBy(p => p.Name).Any(g => g.Count() > 1)
                                || element.EnumerateObject().Any(p => HasDuplicateKeys(p.Value)),
        JsonValueKind.Array => element.EnumerateArray().Any(HasDuplicateKeys),
        _ => false,
    };
}
