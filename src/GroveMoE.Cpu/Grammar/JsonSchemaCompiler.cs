using System.Text.Json;

namespace GroveMoE.Cpu.Grammar;

/// <summary>
/// JSON Schema to grammar. Supported: type (one or a list), properties / required / additionalProperties, items /
/// minItems / maxItems, minLength / maxLength / format on strings, minimum / maximum / exclusiveMinimum /
/// exclusiveMaximum on integers and numbers, enum, const, anyOf, oneOf (when its branches provably share no value,
/// see <see cref="SchemaDisjointness"/>; otherwise refused, since the grammar could write a value two branches accept),
/// allOf of one schema, $ref into $defs / definitions / the root. Annotations are ignored; any other keyword is
/// refused with a <see cref="JsonSchemaException"/> naming it, since ignoring it would let invalid output through.
/// </summary>
/// <remarks>
/// Properties are written in the order the schema lists them. Without additionalProperties an object with
/// properties gets no others (as llama.cpp does); extra keys, when allowed, are unescaped strings that differ from
/// every listed name. Unbounded numbers have at most 16 digits a part.
/// </remarks>
internal sealed class JsonSchemaCompiler
{
    private static readonly HashSet<string> Annotations =
    [
        "title", "description", "default", "examples", "$schema", "$id", "$comment", "deprecated", "readOnly",
        "writeOnly", "$defs", "definitions", "strict", "contentMediaType", "contentEncoding",
    ];

    private static readonly HashSet<string> Supported =
    [
        "type", "properties", "required", "additionalProperties", "items", "minItems", "maxItems", "minLength",
        "maxLength", "format", "minimum", "maximum", "exclusiveMinimum", "exclusiveMaximum", "enum", "const",
        "anyOf", "oneOf", "allOf", "$ref",
    ];


    private readonly GrammarBuilder _b;
    private readonly JsonGrammarPrimitives _json;
    private readonly JsonElement _root;
    private readonly Dictionary<string, int> _refs = new(StringComparer.Ordinal);
    private Symbol? _anyValue;

    private JsonSchemaCompiler(GrammarBuilder builder, JsonElement root)
    {
        _b = builder;
        _root = root;
        _json = new JsonGrammarPrimitives(builder);
    }

    private Symbol Ws => _json.Whitespace;

    public static CompiledGrammar Compile(JsonElement schema)
    {
        var builder = new GrammarBuilder();
        return Build(builder, Into(builder, schema));
    }

    public static CompiledGrammar CompileAnyObject()
    {
        var builder = new GrammarBuilder();
        return Build(builder, new JsonSchemaCompiler(builder, default).AnyObject());
    }

    /// <summary>The rule of <paramref name="schema"/> (its own root for references) in a grammar being built.</summary>
    public static Symbol Into(GrammarBuilder builder, JsonElement schema) => new JsonSchemaCompiler(builder, schema).Schema(schema, "#");

    public static CompiledGrammar Build(GrammarBuilder builder, Symbol root)
    {
        try
        {
            return builder.Build(root);
        }
        catch (GrammarException e)
        {
            throw new JsonSchemaException($"the schema cannot be generated: {e.Message.Replace("grammar", "schema")} ($ref cycle)", "$ref");
        }
    }

    private Symbol Schema(JsonElement schema, string path)
    {
        if (schema.ValueKind is JsonValueKind.True) return AnyValue();
        if (schema.ValueKind is JsonValueKind.False) throw Error(path, "false", "the schema 'false' admits no value");
        if (schema.ValueKind is not JsonValueKind.Object) throw Error(path, null, "a schema must be an object or a boolean");

        var keywords = new HashSet<string>(StringComparer.Ordinal);
        foreach (var property in schema.EnumerateObject())
        {
            if (Supported.Contains(property.Name)) keywords.Add(property.Name);
            else if (!Annotations.Contains(property.Name)) throw Error(path, property.Name, $"keyword '{property.Name}' is not supported");
        }

        if (keywords.Contains("$ref")) return Alone(schema, keywords, "$ref", path, () => Reference(schema.GetProperty("$ref"), path));
        foreach (string combinator in (string[])["anyOf", "oneOf", "allOf"])
            if (keywords.Contains(combinator)) return Alone(schema, keywords, combinator, path, () => Combination(schema.GetProperty(combinator), combinator, path));
        if (keywords.Contains("const")) return Alone(schema, keywords, "const", path, () => Value(schema.GetProperty("const")));
        if (keywords.Contains("enum")) return Alone(schema, keywords, "enum", path, () => Enumeration(schema.GetProperty("enum"), path));

        var types = Types(schema, keywords, path);
        if (types is null) return AnyValue();
        var alternatives = types.Select(t => new[] { Typed(schema, t, path) }).ToArray();
        return alternatives.Length == 1 ? alternatives[0][0] : _b.Rule(alternatives);
    }

    /// <summary>$ref, the combinators, const and enum decide the value alone; keywords beside them would need an intersection.</summary>
    private Symbol Alone(JsonElement schema, HashSet<string> keywords, string keyword, string path, Func<Symbol> compile)
    {
        foreach (string other in keywords)
        {
            if (other == keyword || other == "type" && keyword is "const" or "enum") continue;
            throw Error(path, other, $"keyword '{other}' beside '{keyword}' is not supported");
        }
        return compile();
    }

    private List<string>? Types(JsonElement schema, HashSet<string> keywords, string path)
    {
        if (schema.TryGetProperty("type", out var type))
        {
            var names = type.ValueKind switch
            {
                JsonValueKind.String => [type.GetString()!],
                JsonValueKind.Array when type.GetArrayLength() > 0 && type.EnumerateArray().All(t => t.ValueKind == JsonValueKind.String)
                    => type.EnumerateArray().Select(t => t.GetString()!).Distinct().ToList(),
                _ => throw Error(path, "type", "'type' must be a type name or a non-empty array of them"),
            };
            foreach (string name in names)
                if (name is not ("object" or "array" or "string" or "integer" or "number" or "boolean" or "null"))
                    throw Error(path, "type", $"type '{name}' is not a JSON Schema type");
            return names;
        }
        // No type: the keywords present say which kind they constrain.
        if (keywords.Overlaps(["properties", "required", "additionalProperties"])) return ["object"];
        if (keywords.Overlaps(["items", "minItems", "maxItems"])) return ["array"];
        if (keywords.Overlaps(["minLength", "maxLength", "format"])) return ["string"];
        if (keywords.Overlaps(["minimum", "maximum", "exclusiveMinimum", "exclusiveMaximum"])) return ["number"];
        return null;
    }

    private Symbol Typed(JsonElement schema, string type, string path) => type switch
    {
        "object" => Object(schema, path),
        "array" => Array(schema, path),
        "string" => String(schema, path),
        "integer" => Integer(schema, path),
        "number" => Number(schema, path),
        "boolean" => _b.Rule([_b.Literal("true")], [_b.Literal("false")]),
        _ => _b.Literal("null"),
    };

    private Symbol Reference(JsonElement reference, string path)
    {
        string target = reference.ValueKind == JsonValueKind.String ? reference.GetString()! : throw Error(path, "$ref", "'$ref' must be a string");
        if (_refs.TryGetValue(target, out int known)) return Symbol.Rule(known);
        var resolved = Resolve(target, path);
        int rule = _b.Reserve();
        _refs.Add(target, rule);
        _b.Define(rule, [Schema(resolved, target)]);
        return Symbol.Rule(rule);
    }

    /// <summary>A JSON pointer into this document ("#", "#/$defs/Name", "#/definitions/a/b", with ~0 ~1 escapes).</summary>
    private JsonElement Resolve(string target, string path)
    {
        if (!target.StartsWith('#')) throw Error(path, "$ref", $"'$ref' '{target}' is not supported (only references into this schema, '#/...')");
        var at = _root;
        foreach (string raw in target[1..].Split('/', StringSplitOptions.RemoveEmptyEntries))
        {
            string part = Uri.UnescapeDataString(raw).Replace("~1", "/").Replace("~0", "~");
            if (at.ValueKind == JsonValueKind.Object && at.TryGetProperty(part, out var next)) at = next;
            else if (at.ValueKind == JsonValueKind.Array && int.TryParse(part, out int index) && index >= 0 && index < at.GetArrayLength()) at = at[index];
            else throw Error(path, "$ref", $"'$ref' '{target}' does not resolve");
        }
        return at;
    }

    private Symbol Combination(JsonElement branches, string keyword, string path)
    {
        if (branches.ValueKind != JsonValueKind.Array || branches.GetArrayLength() == 0)
            throw Error(path, keyword, $"'{keyword}' must be a non-empty array of schemas");
        if (keyword == "allOf" && branches.GetArrayLength() > 1)
            throw Error(path, "allOf", "'allOf' with more than one schema is not supported");
        if (keyword == "oneOf") RefuseOverlap(branches, path);
        var alternatives = branches.EnumerateArray().Select((branch, i) => new[] { Schema(branch, $"{path}/{keyword}/{i}") }).ToArray();
        return alternatives.Length == 1 ? alternatives[0][0] : _b.Rule(alternatives);
    }

    /// <summary>oneOf means exactly one branch matches; a grammar writes one branch's value, which is then the only
    /// match only if no other branch accepts it.</summary>
    private void RefuseOverlap(JsonElement branches, string path)
    {
        var list = branches.EnumerateArray().ToArray();
        var disjointness = new SchemaDisjointness(target => Resolve(target, path));
        for (int i = 0; i < list.Length; i++)
            for (int j = i + 1; j < list.Length; j++)
                if (!disjointness.Disjoint(list[i], list[j]))
                    throw Error(path, "oneOf", $"'oneOf' branches {i} and {j} may both accept one value, so an answer could match " +
                        "both; use 'anyOf', or branches that differ in type, in const/enum values, in number range, or in a required property's const");
    }

    private Symbol Enumeration(JsonElement values, string path)
    {
        if (values.ValueKind != JsonValueKind.Array || values.GetArrayLength() == 0)
            throw Error(path, "enum", "'enum' must be a non-empty array");
        return _b.Rule(values.EnumerateArray().Select(v => new[] { Value(v) }).ToArray());
    }

    /// <summary>Exactly this JSON value, written compactly.</summary>
    private Symbol Value(JsonElement value) => _b.Literal(CompactJson.Serialize(value));

    private Symbol Object(JsonElement schema, string path)
    {
        var names = new List<string>();
        var values = new List<Symbol>();
        if (schema.TryGetProperty("properties", out var properties))
        {
            if (properties.ValueKind != JsonValueKind.Object) throw Error(path, "properties", "'properties' must be an object");
            foreach (var property in properties.EnumerateObject())
            {
                names.Add(property.Name);
                values.Add(Schema(property.Value, $"{path}/properties/{property.Name}"));
            }
        }
        var required = new HashSet<string>(StringComparer.Ordinal);
        if (schema.TryGetProperty("required", out var list))
        {
            if (list.ValueKind != JsonValueKind.Array || list.EnumerateArray().Any(r => r.ValueKind != JsonValueKind.String))
                throw Error(path, "required", "'required' must be an array of property names");
            foreach (var name in list.EnumerateArray())
            {
                if (!names.Contains(name.GetString()!))
                    throw Error(path, "required", $"required property '{name.GetString()}' is not listed in 'properties'");
                required.Add(name.GetString()!);
            }
        }

        Symbol? extra = null;
        bool hasAdditional = schema.TryGetProperty("additionalProperties", out var additional);
        if (hasAdditional ? additional.ValueKind != JsonValueKind.False : names.Count == 0)
        {
            var extraValue = hasAdditional ? Schema(additional, $"{path}/additionalProperties") : AnyValue();
            var key = names.Count == 0 ? _json.AnyString : _json.Quoted(KeyOtherThan(names));
            extra = Member(key, extraValue);
        }

        // Rest(i, comma): the members from property i on, after `comma` says whether a member was written already.
        var rest = new Dictionary<(int, bool), Symbol>();
        Symbol Rest(int i, bool comma)
        {
            if (rest.TryGetValue((i, comma), out var known)) return known;
            Symbol result;
            var separator = _b.Sequence(_b.Literal(","), Ws);
            if (i == names.Count)
            {
                if (extra is not { } e) result = _b.Empty();
                else
                {
                    var more = _b.Star(_b.Sequence(separator, e, Ws));
                    result = comma ? more : _b.Rule([], [e, Ws, more]);
                }
            }
            else
            {
                var member = Member(_b.Literal(CompactJson.Serialize(names[i])), values[i]);
                Symbol[] written = comma ? [separator, member, Ws, Rest(i + 1, true)] : [member, Ws, Rest(i + 1, true)];
                result = required.Contains(names[i]) ? _b.Rule(written) : _b.Rule(written, [Rest(i + 1, comma)]);
            }
            rest[(i, comma)] = result;
            return result;
        }
        return _b.Sequence(_b.Literal("{"), Ws, Rest(0, false), _b.Literal("}"));
    }

    private Symbol Member(Symbol key, Symbol value) => _b.Sequence(key, Ws, _b.Literal(":"), Ws, value);

    /// <summary>
    /// Unescaped key text that differs from every name in <paramref name="names"/>: walk the names' trie and either
    /// stop where no name ends, follow a name, or leave every name with an ASCII character none of them has next.
    /// </summary>
    private Symbol KeyOtherThan(List<string> names)
    {
        var anyTail = _b.Star(_json.KeyChar);
        Symbol Node(List<string> suffixes)
        {
            var alternatives = new List<Symbol[]>();
            if (!suffixes.Contains("")) alternatives.Add([]);
            var byFirst = suffixes.Where(s => s.Length > 0).GroupBy(s => char.IsSurrogate(s[0]) ? s[..2] : s[..1]);
            var taken = default(ByteSet);
            foreach (var group in byFirst)
            {
                alternatives.Add([_b.Literal(group.Key), Node(group.Select(s => s[group.Key.Length..]).ToList())]);
                if (group.Key.Length == 1 && group.Key[0] < 0x80) taken |= ByteSet.Of((byte)group.Key[0]);
            }
            var other = ByteSet.Range(0x20, 0x7E) - ByteSet.Chars("\"\\") - taken;
            if (!other.IsEmpty) alternatives.Add([_b.Class(other), anyTail]);
            return _b.Rule([.. alternatives]);
        }
        // Names that need escaping can never be written unescaped, so they are no risk.
        return Node(names.Where(n => !n.Any(c => c is '"' or '\\' || c < 0x20)).ToList());
    }

    private Symbol Array(JsonElement schema, string path)
    {
        var item = schema.TryGetProperty("items", out var items) ? Schema(items, $"{path}/items") : AnyValue();
        int min = Count(schema, "minItems", path) ?? 0;
        int? max = Count(schema, "maxItems", path);
        if (max < min) throw Error(path, "maxItems", "'maxItems' is less than 'minItems'");
        if (max == 0) return _b.Sequence(_b.Literal("["), Ws, _b.Literal("]"));
        var more = _b.Repeat(_b.Sequence(_b.Literal(","), Ws, item, Ws), Math.Max(0, min - 1), max - 1);
        var some = _b.Sequence(item, Ws, more);
        return _b.Sequence(_b.Literal("["), Ws, min == 0 ? _b.Optional(some) : some, _b.Literal("]"));
    }

    private Symbol String(JsonElement schema, string path)
    {
        int min = Count(schema, "minLength", path) ?? 0;
        int? max = Count(schema, "maxLength", path);
        if (max < min) throw Error(path, "maxLength", "'maxLength' is less than 'minLength'");
        if (schema.TryGetProperty("format", out var format))
        {
            if (min > 0 || max is not null) throw Error(path, "format", "'format' together with 'minLength' or 'maxLength' is not supported");
            string name = format.ValueKind == JsonValueKind.String ? format.GetString()! : throw Error(path, "format", "'format' must be a string");
            return _json.Format(name) ?? throw Error(path, "format", $"format '{name}' is not supported (date, time, date-time, uuid, email, hostname, ipv4, uri)");
        }
        return min == 0 && max is null ? _json.AnyString : _json.Quoted(_b.Repeat(_json.Char, min, max));
    }

    private Symbol Integer(JsonElement schema, string path)
    {
        var (min, minExclusive, max, maxExclusive) = Bounds(schema, path);
        System.Numerics.BigInteger? lo = min is { } a ? (System.Numerics.BigInteger)(minExclusive ? Math.Floor(a) + 1 : Math.Ceiling(a)) : null;
        System.Numerics.BigInteger? hi = max is { } z ? (System.Numerics.BigInteger)(maxExclusive ? Math.Ceiling(z) - 1 : Math.Floor(z)) : null;
        return _json.Ranges.Integers(lo, hi) ?? throw Error(path, "minimum", "no integer lies between 'minimum' and 'maximum'");
    }

    private Symbol Number(JsonElement schema, string path)
    {
        var (min, minExclusive, max, maxExclusive) = Bounds(schema, path);
        if (min is null && max is null) return _json.AnyNumber;
        return _json.BoundedNumber(min, minExclusive, max, maxExclusive) ?? throw Error(path, "minimum", "no number lies between 'minimum' and 'maximum'");
    }

    private static (double? Min, bool MinExclusive, double? Max, bool MaxExclusive) Bounds(JsonElement schema, string path)
    {
        double? Read(string keyword)
        {
            if (!schema.TryGetProperty(keyword, out var value)) return null;
            if (value.ValueKind != JsonValueKind.Number || !value.TryGetDouble(out double d) || !double.IsFinite(d))
                throw Error(path, keyword, $"'{keyword}' must be a number");
            return d;
        }
        double? min = Read("minimum"), exclusiveMin = Read("exclusiveMinimum");
        double? max = Read("maximum"), exclusiveMax = Read("exclusiveMaximum");
        // The tighter of each pair; on a tie the exclusive one.
        bool minExclusive = exclusiveMin is { } em && (min is not { } m || em >= m);
        bool maxExclusive = exclusiveMax is { } eM && (max is not { } M || eM <= M);
        return (minExclusive ? exclusiveMin : min, minExclusive, maxExclusive ? exclusiveMax : max, maxExclusive);
    }

    private static int? Count(JsonElement schema, string keyword, string path)
    {
        if (!schema.TryGetProperty(keyword, out var value)) return null;
        if (value.ValueKind != JsonValueKind.Number || !value.TryGetInt32(out int n) || n < 0)
            throw Error(path, keyword, $"'{keyword}' must be a non-negative integer");
        if (n > 100_000) throw Error(path, keyword, $"'{keyword}' above 100000 is not supported");
        return n;
    }

    /// <summary>Any JSON value (the schema <c>true</c> or <c>{}</c>).</summary>
    private Symbol AnyValue()
    {
        if (_anyValue is { } known) return known;
        int value = _b.Reserve();
        _anyValue = Symbol.Rule(value);
        var anyValue = Symbol.Rule(value);
        var items = _b.Sequence(anyValue, Ws, _b.Star(_b.Sequence(_b.Literal(","), Ws, anyValue, Ws)));
        var array = _b.Sequence(_b.Literal("["), Ws, _b.Optional(items), _b.Literal("]"));
        _b.Define(value, [AnyObject()], [array], [_json.AnyString], [_json.AnyNumber],
            [_b.Literal("true")], [_b.Literal("false")], [_b.Literal("null")]);
        return anyValue;
    }

    private Symbol? _anyObject;

    private Symbol AnyObject()
    {
        if (_anyObject is { } known) return known;
        int rule = _b.Reserve();
        _anyObject = Symbol.Rule(rule);
        var member = Member(_json.AnyString, AnyValue());
        var members = _b.Sequence(member, Ws, _b.Star(_b.Sequence(_b.Literal(","), Ws, member, Ws)));
        _b.Define(rule, [_b.Literal("{"), Ws, _b.Optional(members), _b.Literal("}")]);
        return Symbol.Rule(rule);
    }

    private static JsonSchemaException Error(string path, string? keyword, string message) =>
        new($"{message} (at {path})", keyword);
}
