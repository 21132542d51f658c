using GroveMoE.Cpu.Generation;
using GroveMoE.Cpu.Grammar;
using GroveMoE.Cpu.Tests.Tokenization;

namespace GroveMoE.Cpu.Tests.Grammar;

public class TokenMaskTests
{
    [Theory]
    [InlineData("""{"type":"object","properties":{"name":{"type":"string","maxLength":5},"n":{"type":"integer","minimum":-20,"maximum":300}},"required":["name"]}""")]
    [InlineData("""{"type":"array","items":{"enum":["日本語","🙂🙂",12.5,null]},"maxItems":4}""")]
    [InlineData("""{}""")]
    public void MasksEqualATokenByTokenCheck(string schema)
    {
        var tokenizer = Qwen3TokenizerFixture.Tokenizer;
        var grammar = CompiledGrammar.FromJsonSchema(schema);
        var random = new Random(schema.Length);
        for (int walk = 0; walk < 2; walk++)
        {
            var matcher = new GrammarMatcher(grammar, tokenizer);
            var prefix = new List<byte>();
            for (int step = 0; step < 8 && matcher.CanContinue; step++)
            {
                // The reference: a fresh automaton brought to the same text, asked about every token on its own.
                var fresh = new GrammarAutomaton(grammar, TokenTrie.For(tokenizer), tokenizer.StopIds);
                int state = fresh.Next(fresh.Start, prefix.ToArray());
                var mask = matcher.AllowedTokens;
                var allowed = new List<int>();
                for (int id = 0; id < tokenizer.VocabSize; id++)
                {
                    bool expected = tokenizer.IsStop(id) ? fresh.IsAccepting(state)
                        : !tokenizer.IsSpecial(id) && tokenizer.TokenBytes(id).Length > 0
                          && fresh.Next(state, tokenizer.TokenBytes(id)) != GrammarAutomaton.Dead;
                    bool actual = (mask[id >> 6] & (1UL << id)) != 0;
                    Assert.True(expected == actual, $"token {id} '{tokenizer.TokenText(id)}' after '{System.Text.Encoding.UTF8.GetString(prefix.ToArray())}'");
                    if (actual && !tokenizer.IsStop(id)) allowed.Add(id);
                }
                if (allowed.Count == 0) break;
                int token = allowed[random.Next(allowed.Count)];
                Assert.True(matcher.Accept(token));
                prefix.AddRange(tokenizer.TokenBytes(token).ToArray());
            }
        }
    }

    [Fact]
    public void SamplerDrawsOnlyAllowedTokens()
    {
        var random = new Random(3);
        const int vocab = 1000;
        foreach (var options in new[] { SamplerOptions.Greedy, new SamplerOptions { Seed = 4 }, new SamplerOptions { Seed = 5, TopK = 0, TopP = 1, MinP = 0 } })
        {
            var sampler = new Sampler(options, vocab);
            for (int trial = 0; trial < 200; trial++)
            {
                var logits = Enumerable.Range(0, vocab).Select(_ => (float)random.NextDouble() * 10).ToArray();
                var mask = new ulong[(vocab + 63) / 64];
                int allowedCount = 1 + random.Next(trial % 2 == 0 ? 3 : 400);
                var allowed = Enumerable.Range(0, vocab).OrderBy(_ => random.Next()).Take(allowedCount).ToHashSet();
                foreach (int id in allowed) mask[id >> 6] |= 1UL << id;
                int token = sampler.Sample(logits, [], mask);
                Assert.Contains(token, allowed);
                if (options.IsGreedy) Assert.Equal(allowed.MaxBy(id => logits[id]), token);
            }
            Assert.Equal(-1, sampler.Sample(new float[vocab], [], new ulong[(vocab + 63) / 64]));
        }
    }
}
