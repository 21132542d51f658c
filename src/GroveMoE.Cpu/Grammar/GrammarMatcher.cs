using GroveMoE.Cpu.Tokenization;

namespace GroveMoE.Cpu.Grammar;

/// <summary>
/// Where one generation stands in a grammar: which tokens may come next (a bitset over the vocabulary, or one token
/// at a time) and the step over each token chosen. End-of-text tokens are allowed only where the text so far is a
/// whole sentence.
/// </summary>
internal sealed class GrammarMatcher
{
    private readonly GrammarAutomaton _automaton;
    private readonly GroveTokenizer _tokenizer;
    private int _state;

    public GrammarMatcher(CompiledGrammar grammar, GroveTokenizer tokenizer)
    {
        _tokenizer = tokenizer;
        _automaton = grammar.AutomatonFor(tokenizer);
        _state = _automaton.Start;
    }

    internal GrammarAutomaton Automaton => _automaton;

    internal int State => _state;

    /// <summary>One bit per token id: set where the token may come next.</summary>
    public ReadOnlySpan<ulong> AllowedTokens => _automaton.Mask(_state);

    /// <summary>The mask of this state when it is already known (no walk of the vocabulary), else null.</summary>
    public ulong[]? KnownAllowedTokens => _automaton.CachedMaskOrNull(_state);

    /// <summary>The text so far is a whole sentence of the grammar.</summary>
    public bool IsComplete => _automaton.IsAccepting(_state);

    /// <summary>More text may follow (false once a sentence is complete and cannot be extended).</summary>
    public bool CanContinue => _automaton.CanContinue(_state);

    /// <summary>Whether <paramref name="token"/> may come next: its bit in <see cref="AllowedTokens"/>, found without
    /// the mask by stepping over the token's bytes.</summary>
    public bool Allows(int token)
    {
        if (_tokenizer.IsStop(token)) return IsComplete;
        var bytes = _tokenizer.TokenBytes(token);
        return !_tokenizer.IsSpecial(token) && bytes.Length > 0 && _automaton.Next(_state, bytes) != GrammarAutomaton.Dead;
    }

    /// <summary>Steps over <paramref name="token"/>; false (and no step) when the grammar does not allow it.</summary>
    public bool Accept(int token)
    {
        if (_tokenizer.IsStop(token)) return IsComplete;
        if (_tokenizer.IsSpecial(token)) return false;
        int next = _automaton.Next(_state, _tokenizer.TokenBytes(token));
        if (next == GrammarAutomaton.Dead) return false;
        _state = next;
        return true;
    }
}
