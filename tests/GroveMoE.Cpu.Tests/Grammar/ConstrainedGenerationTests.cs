using System.Text.Json;
using GroveMoE.Cpu.Generation;
using GroveMoE.Cpu.Grammar;

namespace GroveMoE.Cpu.Tests.Grammar;

/// <summary>The random tiny model writes noise; only the grammar can make its answer valid JSON.</summary>
public class ConstrainedGenerationTests(TinyLanguageModelFixture fixture) : IClassFixture<TinyLanguageModelFixture>
{
    [Fact]
    public void ASessionWithASchemaAnswersValidJsonAndStopsWhenComplete()
    {
        var grammar = CompiledGrammar.FromJsonSchema("""
            {"type":"object","properties":{"city":{"type":"string","maxLength":6},"rank":{"type":"integer","minimum":1,"maximum":3},
             "ok":{"type":"boolean"}},"required":["city","rank","ok"],"additionalProperties":false}
            """);
        var prompt = fixture.Model.EncodeChat([new ChatTurn(AuthorRole.User, "Pick a city.")], thinking: false);
        for (ulong seed = 1; seed <= 3; seed++)
        {
            var options = new GenerationOptions { MaxTokens = 200, Grammar = grammar, Sampler = new SamplerOptions { Seed = seed, Temperature = 1.5f } };
            var (text, stats) = fixture.Generate(prompt, options);
            Assert.Equal(FinishReason.Stop, stats.FinishReason);
            using var json = JsonDocument.Parse(text);
            Assert.InRange(json.RootElement.GetProperty("rank").GetInt32(), 1, 3);
            Assert.True(json.RootElement.GetProperty("city").GetString()!.Length <= 6);
            Assert.Equal(3, json.RootElement.EnumerateObject().Count());
        }
    }
}
