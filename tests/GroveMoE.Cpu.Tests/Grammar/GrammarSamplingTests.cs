using GroveMoE.Cpu.Generation;
using GroveMoE.Cpu.Grammar;

namespace GroveMoE.Cpu.Tests.Grammar;

public class GrammarSamplingTests
{
    /// <summary>
    /// The sampler's grammar path asks the grammar about the best tokens instead of building the whole mask; it must
    /// draw exactly what the mask path draws, for every sampling setting, on random schemas and random logits (flat
    /// ones, where the best tokens are mostly refused, and peaked ones on random tokens).
    /// </summary>
    [Fact]
    public void TheGrammarPathDrawsWhatTheMaskDraws()
    {
        var tokenizer = GrammarWalk.Tokenizer;
        var random = new Random(1313);
        var schemas = new RandomSchemas(random);
        var logits = new float[tokenizer.VocabSize];
        int lazy = 0, steps = 0;
        for (int trial = 0; trial < 12; trial++)
        {
            string schema = schemas.Next().ToJsonString();
            var grammar = CompiledGrammar.FromJsonSchema(schema);
            var options = new SamplerOptions
            {
                Temperature = trial % 4 == 0 ? 0 : 0.5f + (float)random.NextDouble(),
                TopK = trial % 5 == 1 ? 0 : random.Next(1, 80),
                TopP = trial % 3 == 0 ? 1 : 0.5f + 0.5f * (float)random.NextDouble(),
                MinP = trial % 2 == 0 ? 0 : 0.1f * (float)random.NextDouble(),
                Seed = (ulong)trial,
            };
            var byMask = new Sampler(options, tokenizer.VocabSize);
            var byGrammar = new Sampler(options, tokenizer.VocabSize);
            // Two grammars of the same schema, so the grammar path never finds the masks the mask path built.
            var maskMatcher = new GrammarMatcher(grammar, tokenizer);
            var matcher = new GrammarMatcher(CompiledGrammar.FromJsonSchema(schema), tokenizer);
            for (int step = 0; step < 30 && matcher.CanContinue; step++)
            {
                var mask = maskMatcher.AllowedTokens;
                for (int i = 0; i < logits.Length; i++) logits[i] = (float)(random.NextDouble() * 4);
                if (step % 3 == 1)
                    for (int i = 0; i < 300; i++) logits[random.Next(logits.Length)] += 20;
                if (step % 3 == 2) // a model that mostly wants what the grammar allows
                    for (int i = 0; i < logits.Length; i++)
                        if ((mask[i >> 6] & (1UL << i)) != 0 && random.Next(4) == 0) logits[i] += 10;
                bool known = matcher.KnownAllowedTokens is not null;
                int expected = byMask.Sample(logits, [], mask);
                int actual = byGrammar.Sample(logits, [], matcher);
                if (!known && matcher.KnownAllowedTokens is null) lazy++;
                steps++;
                Assert.Equal(expected, actual);
                if (expected < 0 || tokenizer.IsStop(expected)) break;
                Assert.True(maskMatcher.Accept(expected));
                Assert.True(matcher.Accept(actual));
            }
        }
        // Both ways were taken: some draws found their tokens without the mask, some needed it.
        Assert.InRange(lazy, 1, steps - 1);
    }

    [Fact]
    public void GenerationsOfOneSchemaShareStatesAndMasks()
    {
        var tokenizer = GrammarWalk.Tokenizer;
        string schema = """{"type":"object","properties":{"n":{"type":"integer","minimum":3,"maximum":977}},"required":["n"]}""";
        var grammar = GrammarCache.GetOrCompile("test " + schema, () => CompiledGrammar.FromJsonSchema(schema));
        Assert.Same(grammar, GrammarCache.GetOrCompile("test " + schema, () => throw new InvalidOperationException("compiled twice")));
        var first = new GrammarMatcher(grammar, tokenizer);
        var mask = first.AllowedTokens.ToArray();
        var second = new GrammarMatcher(grammar, tokenizer);
        Assert.Same(first.Automaton, second.Automaton);
        Assert.Equal(mask, second.KnownAllowedTokens);
        // Another grammar of the same text has its own automaton, with nothing computed yet.
        Assert.Null(new GrammarMatcher(CompiledGrammar.FromJsonSchema(schema), tokenizer).KnownAllowedTokens);
    }
}
