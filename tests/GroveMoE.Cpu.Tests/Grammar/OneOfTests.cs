using GroveMoE.Cpu.Grammar;

namespace GroveMoE.Cpu.Tests.Grammar;

public class OneOfTests
{
    /// <summary>
    /// A oneOf compiles only when its branches cannot share a value; then every answer matches exactly one branch,
    /// which JsonSchema.Net checks (it counts the matching branches). Otherwise the schema is refused naming oneOf.
    /// </summary>
    [Fact]
    public void RandomOneOfsCompileOnlyWhenExactlyOneBranchCanMatch()
    {
        var random = new Random(1307);
        var schemas = new RandomSchemas(random);
        int compiled = 0, refused = 0;
        for (int i = 0; i < 30; i++)
        {
            string schema = schemas.NextOneOf().ToJsonString();
            try
            {
                CompiledGrammar.FromJsonSchema(schema);
            }
            catch (JsonSchemaException e)
            {
                Assert.True(e.Keyword == "oneOf", $"{schema}: {e.Message}");
                refused++;
                continue;
            }
            compiled++;
            for (int walk = 0; walk < 2; walk++) JsonSchemaGrammarTests.GenerateAndValidate(schema, random, freeSteps: random.Next(5, 40));
        }
        Assert.True(compiled >= 5 && refused >= 5, $"{compiled} compiled, {refused} refused");
    }

    [Theory]
    [InlineData("""{"oneOf":[{"type":"integer"},{"type":"number"}]}""")]
    [InlineData("""{"oneOf":[{"type":"string"},{"type":"string","maxLength":3}]}""")]
    [InlineData("""{"oneOf":[{"type":"integer","maximum":5},{"type":"integer","minimum":5}]}""")]
    [InlineData("""{"oneOf":[{"type":"object","properties":{"kind":{"const":"a"}},"required":["kind"]},{"type":"object","properties":{"kind":{"enum":["b","a"]}},"required":["kind"]}]}""")]
    [InlineData("""{"oneOf":[{"properties":{"a":{"type":"string"}}},{"type":"string"}]}""")]
    public void OverlappingBranchesAreRefused(string schema)
    {
        var e = Assert.Throws<JsonSchemaException>(() => CompiledGrammar.FromJsonSchema(schema));
        Assert.Equal("oneOf", e.Keyword);
        Assert.Contains("anyOf", e.Message);
    }

    [Theory]
    [InlineData("""{"oneOf":[{"type":"integer","maximum":5},{"type":"integer","exclusiveMinimum":5}]}""")]
    [InlineData("""{"oneOf":[{"type":"object","properties":{"kind":{"const":"a"},"x":{"type":"integer"}},"required":["kind","x"]},{"type":"object","properties":{"kind":{"const":"b"},"y":{"type":"string"}},"required":["kind"]}]}""")]
    [InlineData("""{"oneOf":[{"type":"object","properties":{"a":{"type":"integer"}},"required":["a"]},{"type":"object","properties":{"b":{"type":"integer"}},"additionalProperties":false}]}""")]
    [InlineData("""{"$defs":{"S":{"type":"string"}},"oneOf":[{"$ref":"#/$defs/S"},{"type":"array","items":{"$ref":"#/$defs/S"}},{"enum":[1,true]}]}""")]
    public void ExclusiveBranchesGiveAnswersMatchingExactlyOne(string schema)
    {
        var random = new Random(schema.Length);
        for (int i = 0; i < 3; i++) JsonSchemaGrammarTests.GenerateAndValidate(schema, random, freeSteps: 5 + 20 * i);
    }
}
