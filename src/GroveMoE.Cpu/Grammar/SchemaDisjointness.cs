using System.Text.Json;

namespace GroveMoE.Cpu.Grammar;

/// <summary>
/// Whether two JSON Schemas provably share no value, which is what makes <c>oneOf</c> exact: a grammar can only write
/// a value of some branch, and when no other branch accepts it, exactly one matches. Sound, not complete: branches of
/// different kinds (object, array, string, number, true, false, null), different const/enum values, disjoint number
/// ranges, or objects that both require a property with disjoint schemas (a tag), or where one requires a property the
/// other forbids. Kinds a branch accepts follow validation, not generation: <c>{"properties": ...}</c> without a type
/// accepts any non-object too.
/// </summary>
internal sealed class SchemaDisjointness(Func<string, JsonElement> resolve)
{
    [Flags]
    private enum Kinds
    {
        None = 0, Object = 1, Array = 2, String = 4, Number = 8, True = 16, False = 32, Null = 64, All = 127,
    }

    private const int MaxDepth = 16;

    public bool Disjoint(JsonElement a, JsonElement b) => Disjoint(a, b, 0);

    private bool Disjoint(JsonElement a, JsonElement b, int depth)
    {
        if (depth > MaxDepth) return false;
        a = Resolved(a, depth);
        b = Resolved(b, depth);
        if ((Accepted(a, depth) & Accepted(b, depth)) == Kinds.None) return true;
        if (Branches(a) is { } ofA) return ofA.All(x => Disjoint(x, b, depth + 1));
        if (Branches(b) is { } ofB) return ofB.All(y => Disjoint(a, y, depth + 1));
        if (Values(a) is { } va && Values(b) is { } vb) return !va.Any(x => vb.Any(y => JsonElement.DeepEquals(x, y)));
        var kinds = Accepted(a, depth) | Accepted(b, depth);
        if (kinds == Kinds.Number) return RangesDisjoint(a, b);
        if (kinds == Kinds.Object) return ObjectsDisjoint(a, b, depth) || ObjectsDisjoint(b, a, depth);
        return false;
    }

    private JsonElement Resolved(JsonElement schema, int depth)
    {
        for (int hops = 0; hops <= MaxDepth && schema.ValueKind == JsonValueKind.Object && schema.TryGetProperty("$ref", out var target); hops++)
            schema = resolve(target.GetString()!);
        return schema;
    }

    /// <summary>The kinds of value <paramref name="schema"/> accepts under JSON Schema validation.</summary>
    private Kinds Accepted(JsonElement schema, int depth)
    {
        if (depth > MaxDepth) return Kinds.All;
        schema = Resolved(schema, depth);
        if (schema.ValueKind == JsonValueKind.False) return Kinds.None;
        if (schema.ValueKind != JsonValueKind.Object) return Kinds.All;
        if (Branches(schema) is { } branches) return branches.Aggregate(Kinds.None, (k, s) => k | Accepted(s, depth + 1));
        var kinds = Kinds.All;
        if (schema.TryGetProperty("type", out var type))
        {
            kinds = Kinds.None;
            foreach (var name in type.ValueKind == JsonValueKind.Array ? type.EnumerateArray().ToArray() : [type])
                kinds |= name.GetString() switch
                {
                    "object" => Kinds.Object,
                    "array" => Kinds.Array,
                    "string" => Kinds.String,
                    "integer" or "number" => Kinds.Number,
                    "boolean" => Kinds.True | Kinds.False,
                    "null" => Kinds.Null,
                    _ => Kinds.All,
                };
        }
        if (Values(schema) is { } values) kinds &= values.Aggregate(Kinds.None, (k, v) => k | KindOf(v));
        return kinds;
    }

    private static Kinds KindOf(JsonElement value) => value.ValueKind switch
    {
        JsonValueKind.Object => Kinds.Object,
        JsonValueKind.Array => Kinds.Array,
        JsonValueKind.String => Kinds.String,
        JsonValueKind.Number => Kinds.Number,
        JsonValueKind.True => Kinds.True,
        JsonValueKind.False => Kinds.False,
        _ => Kinds.Null,
    };

    private static JsonElement[]? Branches(JsonElement schema)
    {
        foreach (string keyword in (string[])["anyOf", "oneOf", "allOf"])
            if (schema.TryGetProperty(keyword, out var list) && list.ValueKind == JsonValueKind.Array
                && (keyword != "allOf" || list.GetArrayLength() == 1))
                return list.EnumerateArray().ToArray();
        return null;
    }

    /// <summary>The only values a const or enum schema accepts; null when it is not one.</summary>
    private static JsonElement[]? Values(JsonElement schema) =>
        schema.TryGetProperty("const", out var value) ? [value]
        : schema.TryGetProperty("enum", out var values) && values.ValueKind == JsonValueKind.Array ? values.EnumerateArray().ToArray()
        : null;

    private static bool RangesDisjoint(JsonElement a, JsonElement b)
    {
        var (aLow, aLowOpen, aHigh, aHighOpen) = Range(a);
        var (bLow, bLowOpen, bHigh, bHighOpen) = Range(b);
        return aHigh < bLow || aHigh == bLow && (aHighOpen || bLowOpen)
            || bHigh < aLow || bHigh == aLow && (bHighOpen || aLowOpen);
    }

    private static (double Low, bool LowOpen, double High, bool HighOpen) Range(JsonElement schema)
    {
        double Bound(string keyword, double none) =>
            schema.TryGetProperty(keyword, out var v) && v.ValueKind == JsonValueKind.Number ? v.GetDouble() : none;
        double low = Bound("minimum", double.NegativeInfinity), openLow = Bound("exclusiveMinimum", double.NegativeInfinity);
        double high = Bound("maximum", double.PositiveInfinity), openHigh = Bound("exclusiveMaximum", double.PositiveInfinity);
        return (Math.Max(low, openLow), openLow >= low && !double.IsInfinity(openLow), Math.Min(high, openHigh), openHigh <= high && !double.IsInfinity(openHigh));
    }

    /// <summary>No object valid under <paramref name="a"/> is valid under <paramref name="b"/> by a property: one both
    /// require with disjoint schemas, or one <paramref name="a"/> requires and <paramref name="b"/> forbids.</summary>
    private bool ObjectsDisjoint(JsonElement a, JsonElement b, int depth)
    {
        foreach (string name in Required(a))
        {
            var inA = Property(a, name);
            var inB = Property(b, name);
            if (inB is null && b.TryGetProperty("additionalProperties", out var extra) && extra.ValueKind == JsonValueKind.False) return true;
            if (inA is { } x && inB is { } y && Required(b).Contains(name) && Disjoint(x, y, depth + 1)) return true;
        }
        return false;
    }

    private static IEnumerable<string> Required(JsonElement schema) =>
        schema.TryGetProperty("required", out var list) && list.ValueKind == JsonValueKind.Array
            ? list.EnumerateArray().Where(n => n.ValueKind == JsonValueKind.String).Select(n => n.GetString()!)
            : [];

    private static JsonElement? Property(JsonElement schema, string name) =>
        schema.TryGetProperty("properties", out var properties) && properties.ValueKind == JsonValueKind.Object
            && properties.TryGetProperty(name, out var property) ? property : null;
}
