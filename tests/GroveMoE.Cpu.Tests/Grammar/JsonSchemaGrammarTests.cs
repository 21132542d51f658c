using System.Text.Json;
using System.Text.Json.Nodes;
using GroveMoE.Cpu.Grammar;
using Json.Schema;
using JsonSchemaException = GroveMoE.Cpu.Grammar.JsonSchemaException;

namespace GroveMoE.Cpu.Tests.Grammar;

public class JsonSchemaGrammarTests
{
    private static readonly EvaluationOptions Strict = new() { RequireFormatValidation = true, OutputFormat = OutputFormat.List };

    /// <summary>Generates from <paramref name="schema"/> and checks the text with JsonSchema.Net, an independent validator.</summary>
    internal static bool GenerateAndValidate(string schema, Random random, int freeSteps = 60)
    {
        var grammar = CompiledGrammar.FromJsonSchema(schema);
        string text = GrammarWalk.Generate(grammar, random, freeSteps);
        using var document = JsonDocument.Parse(text); // throws if it is not JSON
        if (GrammarWalk.HasDuplicateKeys(document.RootElement)) return false;
        var result = JsonSchema.FromText(schema).Evaluate(JsonNode.Parse(text), Strict);
        Assert.True(result.IsValid, $"schema {schema}\ntext {text}\n{string.Join("\n", (result.Details ?? []).Where(d => d.Errors is not null).SelectMany(d => d.Errors!.Select(e => $"{d.InstanceLocation}: {e.Value}")))}");
        return true;
    }

    [Fact]
    public void RandomSchemasRandomLogitsGiveValidJson()
    {
        var random = new Random(1301);
        var schemas = new RandomSchemas(random);
        int validated = 0, duplicates = 0;
        for (int i = 0; i < 40; i++)
        {
            string schema = schemas.Next().ToJsonString();
            if (GenerateAndValidate(schema, random, freeSteps: random.Next(5, 80))) validated++;
            else duplicates++;
        }
        Assert.True(duplicates <= validated / 5, $"{duplicates} texts repeated a key, {validated} validated");
    }

    [Theory]
    [InlineData("""{"type":"object","properties":{"name":{"type":"string"},"age":{"type":"integer","minimum":0,"maximum":150},"email":{"type":"string","format":"email"},"tags":{"type":"array","items":{"type":"string","maxLength":6},"minItems":1,"maxItems":3}},"required":["name","age"],"additionalProperties":false}""")]
    [InlineData("""{"$defs":{"Node":{"type":"object","properties":{"v":{"type":"integer"},"children":{"type":"array","items":{"$ref":"#/$defs/Node"},"maxItems":2}},"required":["v","children"]}},"$ref":"#/$defs/Node"}""")]
    [InlineData("""{"type":"object","properties":{"when":{"type":"string","format":"date-time"},"day":{"type":"string","format":"date"},"id":{"type":"string","format":"uuid"},"ip":{"type":"string","format":"ipv4"},"site":{"type":"string","format":"uri"}},"required":["when","day","id","ip","site"]}""")]
    [InlineData("""{"type":"object","properties":{"a":{"type":"number","exclusiveMinimum":-0.5,"exclusiveMaximum":0.5},"b":{"type":"number","minimum":0.2,"maximum":0.7},"c":{"type":["integer","null"]}},"required":["a","b","c"]}""")]
    [InlineData("""{"type":"object","properties":{"x":{"type":"boolean"}},"additionalProperties":{"type":"string","maxLength":3}}""")]
    [InlineData("""{"oneOf":[{"type":"string","enum":["a","b"]},{"type":"array","items":{"const":{"k":[1,2]}},"maxItems":2}]}""")]
    [InlineData("""{"type":"array","items":{"type":"string","minLength":2,"maxLength":4},"minItems":2,"maxItems":2}""")]
    [InlineData("""{}""")]
    [InlineData("""{"type":"object"}""")]
    public void HandPickedSchemasGiveValidJson(string schema)
    {
        var random = new Random(schema.Length);
        for (int i = 0; i < 3; i++) GenerateAndValidate(schema, random, freeSteps: 10 + 25 * i);
    }

    [Fact]
    public void AnyJsonObjectIsAnObject()
    {
        var random = new Random(5);
        for (int i = 0; i < 4; i++)
        {
            string text = GrammarWalk.Generate(CompiledGrammar.AnyJsonObject, random, freeSteps: 10 + 20 * i);
            using var document = JsonDocument.Parse(text);
            Assert.Equal(JsonValueKind.Object, document.RootElement.ValueKind);
        }
    }

    [Theory]
    [InlineData("""{"type":"string","pattern":"^a+$"}""", "pattern")]
    [InlineData("""{"type":"number","multipleOf":3}""", "multipleOf")]
    [InlineData("""{"type":"array","uniqueItems":true}""", "uniqueItems")]
    [InlineData("""{"type":"object","patternProperties":{"^x":{}}}""", "patternProperties")]
    [InlineData("""{"not":{"type":"string"}}""", "not")]
    [InlineData("""{"type":"object","properties":{"a":{"type":"array","prefixItems":[{"type":"string"}]}}}""", "prefixItems")]
    [InlineData("""{"type":"string","format":"ipv6"}""", "format")]
    [InlineData("""{"allOf":[{"type":"string"},{"maxLength":3}]}""", "allOf")]
    [InlineData("""{"type":"object","properties":{"a":{}},"required":["b"]}""", "required")]
    [InlineData("""{"$ref":"https://example.com/schema.json"}""", "$ref")]
    [InlineData("""{"$ref":"#/$defs/missing"}""", "$ref")]
    [InlineData("""{"$defs":{"A":{"type":"object","properties":{"a":{"$ref":"#/$defs/A"}},"required":["a"]}},"$ref":"#/$defs/A"}""", "$ref")]
    [InlineData("""{"$defs":{"A":{"anyOf":[{"$ref":"#/$defs/A"},{"type":"null"}]}},"$ref":"#/$defs/A"}""", "$ref")]
    [InlineData("""{"type":"integer","minimum":5,"maximum":4}""", "minimum")]
    [InlineData("""{"type":"strin"}""", "type")]
    [InlineData("""{"type":"string","minLength":-1}""", "minLength")]
    [InlineData("""{"$ref":"#","type":"string"}""", "type")]
    public void UnsupportedOrInvalidSchemasNameTheKeyword(string schema, string keyword)
    {
        var e = Assert.Throws<JsonSchemaException>(() => CompiledGrammar.FromJsonSchema(schema));
        Assert.Equal(keyword, e.Keyword);
        Assert.Contains(keyword, e.Message);
    }

    [Fact]
    public void NotJsonIsRefused()
    {
        var e = Assert.Throws<JsonSchemaException>(() => CompiledGrammar.FromJsonSchema("{\"type\":"));
        Assert.Contains("not valid JSON", e.Message);
    }

    [Fact]
    public void IntegerRangesAcceptExactlyTheirIntegers()
    {
        var random = new Random(7);
        for (int trial = 0; trial < 12; trial++)
        {
            int? lo = random.Next(4) == 0 ? null : random.Next(-300, 300);
            int? hi = random.Next(4) == 0 ? null : (lo ?? -300) + random.Next(0, 400);
            var schema = new JsonObject { ["type"] = "integer" };
            if (lo is { } l) schema["minimum"] = l;
            if (hi is { } h) schema["maximum"] = h;
            var automaton = GrammarWalk.Automaton(CompiledGrammar.FromJsonSchema(schema.ToJsonString()));
            for (int n = -1200; n <= 1200; n++)
            {
                bool inRange = (lo is null || n >= lo) && (hi is null || n <= hi);
                Assert.True(inRange == GrammarWalk.Accepts(automaton, n.ToString()), $"{n} in [{lo}, {hi}]");
            }
            Assert.False(GrammarWalk.Accepts(automaton, "-0"));
            Assert.False(GrammarWalk.Accepts(automaton, "01"));
        }
    }

    [Fact]
    public void BoundedNumbersStayInBounds()
    {
        var random = new Random(8);
        for (int trial = 0; trial < 20; trial++)
        {
            double lo = Math.Round(random.NextDouble() * 20 - 10, 1), hi = lo + Math.Round(random.NextDouble() * 5, 1);
            bool loExclusive = random.Next(2) == 0, hiExclusive = random.Next(2) == 0;
            if (lo == hi && (loExclusive || hiExclusive)) continue;
            var schema = new JsonObject { ["type"] = "number", [loExclusive ? "exclusiveMinimum" : "minimum"] = lo, [hiExclusive ? "exclusiveMaximum" : "maximum"] = hi };
            var grammar = CompiledGrammar.FromJsonSchema(schema.ToJsonString());
            for (int i = 0; i < 6; i++)
            {
                double value = double.Parse(GrammarWalk.Generate(grammar, random, freeSteps: 3 + i * 4), System.Globalization.CultureInfo.InvariantCulture);
                Assert.True(loExclusive ? value > lo : value >= lo, $"{value} below {schema.ToJsonString()}");
                Assert.True(hiExclusive ? value < hi : value <= hi, $"{value} above {schema.ToJsonString()}");
            }
        }
    }

    [Fact]
    public void StringsCountCharactersNotBytes()
    {
        var grammar = CompiledGrammar.FromJsonSchema("""{"type":"string","minLength":2,"maxLength":3}""");
        Assert.True(GrammarWalk.Accepts(grammar, "\"日本\""));
        Assert.True(GrammarWalk.Accepts(grammar, "\"🙂\\n\\u00e9\""));
        Assert.False(GrammarWalk.Accepts(grammar, "\"日\""));
        Assert.False(GrammarWalk.Accepts(grammar, "\"abcd\""));
        Assert.False(GrammarWalk.Accepts(grammar, "\"a\\ud800\""));
        Assert.False(GrammarWalk.Accepts(grammar, "\"a\u0001\""));
    }
}
