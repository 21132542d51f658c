using System.Text;

namespace GroveMoE.Cpu.Grammar;

/// <summary>One element of a grammar rule's alternative: a terminal (a set of bytes) or a reference to a rule.</summary>
internal readonly record struct Symbol(int Code)
{
    public static Symbol Terminal(int id) => new(id);

    public static Symbol Rule(int id) => new(~id);

    public bool IsRule => Code < 0;

    public int RuleId => ~Code;
}

/// <summary>
/// Builds a context-free grammar over bytes, rule by rule (as GBNF would write it), with the repetition helpers the
/// schema compiler needs. Repetition is right-recursive, so the matcher's stacks stay flat however long it runs.
/// </summary>
internal sealed class GrammarBuilder
{
    private readonly List<List<Symbol[]>> _rules = [];
    private readonly List<ByteSet> _terminals = [];
    private readonly Dictionary<ByteSet, int> _terminalIds = [];
    private readonly Dictionary<string, Symbol> _literals = new(StringComparer.Ordinal);

    /// <summary>A rule with no alternatives yet (for recursion: refer to it first, <see cref="Define"/> it later).</summary>
    public int Reserve()
    {
        _rules.Add([]);
        return _rules.Count - 1;
    }

    public void Define(int rule, params Symbol[][] alternatives) => _rules[rule].AddRange(alternatives);

    /// <summary>A new rule with these alternatives.</summary>
    public Symbol Rule(params Symbol[][] alternatives)
    {
        int rule = Reserve();
        Define(rule, alternatives);
        return Symbol.Rule(rule);
    }

    /// <summary>A rule matching the empty string (<c>Rule([])</c> would be a rule with no alternatives at all).</summary>
    public Symbol Empty() => Rule(System.Array.Empty<Symbol>());

    public Symbol Sequence(params Symbol[] symbols) => symbols.Length == 1 ? symbols[0] : Rule(symbols);

    public Symbol Class(ByteSet set)
    {
        if (set.IsEmpty) throw new ArgumentException("an empty byte class matches nothing", nameof(set));
        if (!_terminalIds.TryGetValue(set, out int id))
        {
            id = _terminals.Count;
            _terminals.Add(set);
            _terminalIds.Add(set, id);
        }
        return Symbol.Terminal(id);
    }

    /// <summary>The exact UTF-8 bytes of <paramref name="text"/>.</summary>
    public Symbol Literal(string text)
    {
        if (_literals.TryGetValue(text, out var known)) return known;
        var bytes = Encoding.UTF8.GetBytes(text);
        var symbols = new Symbol[bytes.Length];
        for (int i = 0; i < bytes.Length; i++) symbols[i] = Class(ByteSet.Of(bytes[i]));
        var literal = symbols.Length == 1 ? symbols[0] : Rule(symbols);
        _literals.Add(text, literal);
        return literal;
    }

    public Symbol Optional(Symbol symbol) => Rule([symbol], []);

    /// <summary>Zero or more.</summary>
    public Symbol Star(Symbol symbol)
    {
        int rule = Reserve();
        Define(rule, [symbol, Symbol.Rule(rule)], []);
        return Symbol.Rule(rule);
    }

    /// <summary><paramref name="min"/> to <paramref name="max"/> (null: no bound) repetitions.</summary>
    public Symbol Repeat(Symbol symbol, int min, int? max)
    {
        var sequence = new List<Symbol>();
        for (int i = 0; i < min; i++) sequence.Add(symbol);
        if (max is null)
        {
            sequence.Add(Star(symbol));
        }
        else if (max > min)
        {
            // t(k) = ε | symbol t(k-1): at most k more, each tail a tail call.
            var tail = Optional(symbol);
            for (int k = 2; k <= max - min; k++) tail = Rule([symbol, tail], []);
            sequence.Add(tail);
        }
        return sequence.Count == 0 ? Empty() : Sequence([.. sequence]);
    }

    public CompiledGrammar Build(Symbol root) => new(_rules, _terminals, root);
}
