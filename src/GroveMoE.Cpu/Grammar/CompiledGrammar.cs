using System.Runtime.CompilerServices;
using System.Text.Json;
using GroveMoE.Cpu.Tokenization;

namespace GroveMoE.Cpu.Grammar;

/// <summary>
/// A context-free grammar over bytes, ready to constrain generation: what the model may write, checked byte by byte
/// across token boundaries (a token is a byte string; a UTF-8 character may span tokens). Immutable and safe to
/// share across threads and sessions; each generation walks it with a matcher of its own.
/// </summary>
/// <remarks>
/// Build one with <see cref="FromJsonSchema(string)"/>, <see cref="AnyJsonObject"/> or <see cref="AnyJsonValue"/>.
/// Alternatives that can never finish are dropped, and a grammar with no finite sentence or with left recursion
/// (which no left-to-right matcher can run) is refused when built.
/// </remarks>
public sealed class CompiledGrammar
{
    /// <summary>Marks the end of an alternative in <see cref="Symbols"/>.</summary>
    internal const int End = int.MinValue;

    /// <summary>States (1 KiB of transitions each) a shared automaton may reach before new generations get a fresh one.</summary>
    private const int MaxSharedStates = 65_536;

    private readonly ConditionalWeakTable<GroveTokenizer, GrammarAutomaton> _automata = new();

    private static readonly Lazy<CompiledGrammar> AnyObject = new(() => JsonSchemaCompiler.CompileAnyObject());
    private static readonly Lazy<CompiledGrammar> AnyValue = new(() => JsonSchemaCompiler.Compile(JsonDocument.Parse("true").RootElement));

    internal CompiledGrammar(List<List<Symbol[]>> rules, List<ByteSet> terminals, Symbol root)
    {
        Terminals = [.. terminals];
        // The start rule is a rule of its own so that every matcher begins by expanding one rule.
        var all = new List<List<Symbol[]>>(rules) { new() { new[] { root } } };
        int start = all.Count - 1;

        var minLength = MinimumLengths(all);
        if (minLength[start] == Unreachable)
            throw new GrammarException("the grammar has no finite sentence (every alternative recurses without end)");

        var symbols = new List<int>();
        var alternatives = new List<int>();
        RuleStart = new int[all.Count + 1];
        for (int r = 0; r < all.Count; r++)
        {
            RuleStart[r] = alternatives.Count;
            foreach (var alternative in all[r])
            {
                if (alternative.Any(s => s.IsRule && minLength[s.RuleId] == Unreachable)) continue;
                alternatives.Add(symbols.Count);
                foreach (var s in alternative) symbols.Add(s.Code);
                symbols.Add(End);
            }
        }
        RuleStart[all.Count] = alternatives.Count;
        Symbols = [.. symbols];
        Alternatives = [.. alternatives];
        StartRule = start;

        MinSuffix = new int[Symbols.Length];
        for (int p = Symbols.Length - 1; p >= 0; p--)
        {
            int s = Symbols[p];
            MinSuffix[p] = s == End ? 0 : checked((s >= 0 ? 1 : minLength[~s]) + MinSuffix[p + 1]);
        }
        RefuseLeftRecursion(minLength);
    }

    /// <summary>Every rule's alternatives, end to end, each closed by <see cref="End"/>: a terminal id (≥ 0) or ~rule.</summary>
    internal int[] Symbols { get; }

    /// <summary>Rule r's alternatives start at <c>Symbols[Alternatives[RuleStart[r] .. RuleStart[r + 1])]</c>.</summary>
    internal int[] Alternatives { get; }

    internal int[] RuleStart { get; }

    internal ByteSet[] Terminals { get; }

    internal int StartRule { get; }

    /// <summary>The fewest bytes that finish the alternative from position p (for tests that must end a walk).</summary>
    internal int[] MinSuffix { get; }

    /// <summary>
    /// The automaton every generation of this grammar over <paramref name="tokenizer"/>'s vocabulary shares, so the
    /// states and masks one request computed serve the next; replaced once it has grown past
    /// <see cref="MaxSharedStates"/> (generations that hold the old one keep it).
    /// </summary>
    internal GrammarAutomaton AutomatonFor(GroveTokenizer tokenizer)
    {
        lock (_automata)
        {
            if (_automata.TryGetValue(tokenizer, out var shared) && shared.StateCount <= MaxSharedStates) return shared;
            shared = new GrammarAutomaton(this, TokenTrie.For(tokenizer), tokenizer.StopIds);
            _automata.AddOrUpdate(tokenizer, shared);
            return shared;
        }
    }

    /// <summary>Any JSON object (OpenAI's <c>response_format: json_object</c>).</summary>
    public static CompiledGrammar AnyJsonObject => AnyObject.Value;

    /// <summary>Any JSON value.</summary>
    public static CompiledGrammar AnyJsonValue => AnyValue.Value;

    /// <summary>
    /// The grammar of the JSON texts valid under <paramref name="schema"/>. Throws <see cref="JsonSchemaException"/>
    /// naming the keyword it cannot honour, or when the text is not JSON.
    /// </summary>
    public static CompiledGrammar FromJsonSchema(string schema)
    {
        JsonDocument document;
        try
        {
            document = JsonDocument.Parse(schema);
        }
        catch (JsonException e)
        {
            throw new JsonSchemaException($"the schema is not valid JSON: {e.Message}", null);
        }
        using (document) return FromJsonSchema(document.RootElement);
    }

    /// <inheritdoc cref="FromJsonSchema(string)"/>
    public static CompiledGrammar FromJsonSchema(JsonElement schema) => JsonSchemaCompiler.Compile(schema);

    private const int Unreachable = int.MaxValue;

    /// <summary>Each rule's shortest sentence in bytes, by fixed point; <see cref="Unreachable"/> for rules with none.</summary>
    private static int[] MinimumLengths(List<List<Symbol[]>> rules)
    {
        var min = new int[rules.Count];
        Array.Fill(min, Unreachable);
        for (bool changed = true; changed;)
        {
            changed = false;
            for (int r = 0; r < rules.Count; r++)
            {
                foreach (var alternative in rules[r])
                {
                    long length = 0;
                    foreach (var s in alternative)
                    {
                        length += s.IsRule ? min[s.RuleId] : 1;
                        if (length >= Unreachable) break;
                    }
                    if (length < min[r])
                    {
                        min[r] = (int)length;
                        changed = true;
                    }
                }
            }
        }
        return min;
    }

    /// <summary>A rule that can reach itself before reading a byte would expand forever; refuse it now, not mid-answer.</summary>
    private void RefuseLeftRecursion(int[] minLength)
    {
        int rules = RuleStart.Length - 1;
        var state = new byte[rules]; // 0 unvisited, 1 on the path, 2 done
        var stack = new Stack<(int Rule, IEnumerator<int> Next)>();
        for (int root = 0; root < rules; root++)
        {
            if (state[root] != 0) continue;
            state[root] = 1;
            stack.Push((root, LeftCorners(root, minLength).GetEnumerator()));
            while (stack.Count > 0)
            {
                var (rule, next) = stack.Peek();
                if (!next.MoveNext())
                {
                    state[rule] = 2;
                    stack.Pop();
                    continue;
                }
                int child = next.Current;
                if (state[child] == 1) throw new GrammarException("the grammar is left-recursive (a rule reaches itself before reading a byte)");
                if (state[child] == 0)
                {
                    state[child] = 1;
                    stack.Push((child, LeftCorners(child, minLength).GetEnumerator()));
                }
            }
        }
    }

    private IEnumerable<int> LeftCorners(int rule, int[] minLength)
    {
        for (int a = RuleStart[rule]; a < RuleStart[rule + 1]; a++)
        {
            for (int p = Alternatives[a]; Symbols[p] != End && Symbols[p] < 0; p++)
            {
                yield return ~Symbols[p];
                if (minLength[~Symbols[p]] != 0) break;
            }
        }
    }
}
