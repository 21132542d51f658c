using System.Text.Json.Nodes;

namespace GroveMoE.Cpu.Tests.Grammar;

/// <summary>Random JSON Schemas over the supported keywords, with $defs and references, for the property tests.</summary>
internal sealed class RandomSchemas(Random random)
{
    private static readonly string[] Names = ["name", "id", "a b", "ключ", "emoji😀", "quo\"te", "back\\slash", "", "x", "value", "名前"];
    private static readonly string[] Formats = ["date", "time", "date-time", "uuid", "email", "hostname", "ipv4", "uri"];
    private static readonly string[] Words = ["red", "green", "blüe", "", "with \"quotes\"", "tab\t", "日本", "🙂"];

    private readonly List<string> _defs = [];

    public JsonObject Next()
    {
        _defs.Clear();
        var defs = new JsonObject();
        int count = random.Next(3);
        for (int i = 0; i < count; i++)
        {
            defs[$"D{i}"] = Schema(2);
            _defs.Add($"#/$defs/D{i}");
        }
        var root = Schema(3);
        if (count > 0) root["$defs"] = defs;
        return root;
    }

    /// <summary>A oneOf of random branches, tagged objects and integer ranges: some provably exclusive, some not.</summary>
    public JsonObject NextOneOf()
    {
        _defs.Clear();
        var branches = new JsonArray();
        for (int i = 2 + random.Next(2); i > 0; i--)
            branches.Add(random.Next(3) switch { 0 => Schema(1), 1 => Tagged(), _ => Integer() });
        return new JsonObject { ["oneOf"] = branches };
    }

    private JsonObject Tagged()
    {
        var tagged = Object(1);
        tagged["properties"]!["kind"] = new JsonObject { ["const"] = "abc"[random.Next(3)].ToString() };
        tagged["required"]!.AsArray().Add("kind");
        return tagged;
    }

    private JsonObject Schema(int depth)
    {
        int kind = random.Next(depth > 0 ? 13 : 8);
        return kind switch
        {
            0 => String(),
            1 => Integer(),
            2 => Number(),
            3 => new JsonObject { ["type"] = "boolean" },
            4 => new JsonObject { ["type"] = "null" },
            5 => new JsonObject { ["enum"] = new JsonArray(Literal(), Literal(), Literal()) },
            6 => new JsonObject { ["const"] = Literal() },
            7 => _defs.Count > 0 ? new JsonObject { ["$ref"] = _defs[random.Next(_defs.Count)] } : String(),
            8 or 9 => Object(depth - 1),
            10 => Array(depth - 1),
            11 => new JsonObject { ["anyOf"] = new JsonArray(Schema(depth - 1), Schema(depth - 1)) },
            _ => DisjointOneOf(),
        };
    }

    private JsonObject String()
    {
        var s = new JsonObject { ["type"] = "string" };
        switch (random.Next(5))
        {
            case 0: break;
            case 1:
                int min = random.Next(4);
                s["minLength"] = min;
                s["maxLength"] = min + random.Next(6);
                break;
            case 2: s["maxLength"] = random.Next(5); break;
            case 3: s["format"] = Formats[random.Next(Formats.Length)]; break;
            default: s["enum"] = new JsonArray(Words.OrderBy(_ => random.Next()).Take(1 + random.Next(3)).Select(w => (JsonNode)w).ToArray()); break;
        }
        return s;
    }

    private JsonObject Integer()
    {
        var s = new JsonObject { ["type"] = "integer" };
        int lo = random.Next(-1000, 1000), hi = lo + random.Next(0, 2000);
        if (random.Next(2) == 0) s[random.Next(3) == 0 ? "exclusiveMinimum" : "minimum"] = lo;
        if (random.Next(2) == 0) s[random.Next(3) == 0 ? "exclusiveMaximum" : "maximum"] = hi + 2;
        return s;
    }

    private JsonObject Number()
    {
        var s = new JsonObject { ["type"] = "number" };
        double lo = Math.Round(random.NextDouble() * 200 - 100, random.Next(3));
        double hi = lo + Math.Round(random.NextDouble() * (random.Next(2) == 0 ? 1 : 100), 2) + 0.01;
        if (random.Next(3) > 0) s[random.Next(3) == 0 ? "exclusiveMinimum" : "minimum"] = lo;
        if (random.Next(3) > 0) s[random.Next(3) == 0 ? "exclusiveMaximum" : "maximum"] = hi;
        return s;
    }

    private JsonObject Object(int depth)
    {
        var properties = new JsonObject();
        var required = new JsonArray();
        foreach (string name in Names.OrderBy(_ => random.Next()).Take(random.Next(4)))
        {
            properties[name] = Schema(depth);
            if (random.Next(2) == 0) required.Add(name);
        }
        var s = new JsonObject { ["type"] = "object", ["properties"] = properties, ["required"] = required };
        switch (random.Next(4))
        {
            case 0: s["additionalProperties"] = false; break;
            case 1: s["additionalProperties"] = new JsonObject { ["type"] = "integer", ["minimum"] = 0, ["maximum"] = 9 }; break;
            case 2: s["additionalProperties"] = true; break;
        }
        return s;
    }

    private JsonObject Array(int depth)
    {
        var s = new JsonObject { ["type"] = "array", ["items"] = Schema(depth) };
        int min = random.Next(3);
        if (random.Next(2) == 0) s["minItems"] = min;
        if (random.Next(2) == 0) s["maxItems"] = min + random.Next(3);
        return s;
    }

    /// <summary>oneOf needs branches that never both match; different types never do (integer and number would).</summary>
    private JsonObject DisjointOneOf()
    {
        var branches = new List<JsonNode> { String(), new JsonObject { ["type"] = "null" }, new JsonObject { ["type"] = "boolean" }, Integer() };
        return new JsonObject { ["oneOf"] = new JsonArray(branches.OrderBy(_ => random.Next()).Take(2 + random.Next(2)).ToArray()) };
    }

    private JsonNode? Literal() => random.Next(5) switch
    {
        0 => Words[random.Next(Words.Length)],
        1 => random.Next(-50, 50),
        2 => JsonValue.Create(Math.Round(random.NextDouble() * 10, 2)),
        3 => new JsonObject { ["k"] = random.Next(3), ["list"] = new JsonArray(1, "two", null) },
        _ => random.Next(2) == 0 ? JsonValue.Create(true) : null,
    };
}
