using System.Runtime.InteropServices;

namespace GroveMoE.Cpu.Grammar;

/// <summary>
/// A grammar run as a pushdown automaton over bytes, built lazily as it is walked. A stack is a chain of interned
/// nodes (a grammar position and the node below); a state is the set of stacks still alive, interned too, so equal
/// states have one id. Transitions (state, byte) and token masks (state) are cached by id: after the first visit a
/// state's mask costs nothing, and computing one walks the vocabulary's trie, skipping the subtree of any dead prefix.
/// </summary>
/// <remarks>
/// Shared by every generation of one grammar (see <see cref="CompiledGrammar.AutomatonFor"/>), so a schema's states
/// and masks are computed once across requests; calls take a lock (a state id, once handed out, never changes
/// meaning). Masks held by all automata together are bounded by <see cref="MaxCachedMasks"/>.
/// </remarks>
internal sealed class GrammarAutomaton
{
    public const int Dead = -1;
    private const int Unknown = -2;

    /// <summary>Node 0 stands for an emptied stack: the input so far is a complete sentence.</summary>
    private const int AcceptNode = 0;

    /// <summary>Masks kept by all automata together (a mask is VocabSize/8 bytes, 19 KiB for Qwen3: 38 MiB in all).
    /// An automaton over the budget empties its own cache; if others still hold the budget, it computes masks uncached.</summary>
    internal const int MaxCachedMasks = 2048;

    private static int s_cachedMasks;

    private readonly CompiledGrammar _grammar;
    private readonly TokenTrie _trie;
    private readonly int[] _stopTokens;
    private readonly List<(int Position, int Parent)> _nodes = [(-1, -1)];
    private readonly Dictionary<(int, int), int> _nodeIds = [];
    private readonly List<int[]> _states = [];
    private readonly Dictionary<int[], int> _stateIds = new(new SequenceComparer());
    private readonly List<int[]> _next = [];
    private readonly List<ulong[]?> _masks = [];
    private int _cachedMasks;
    private readonly List<int> _scratch = [];
    private readonly HashSet<(int, int)> _visited = [];
    private readonly int[] _walkStates;
    private readonly Lock _gate = new();

    public GrammarAutomaton(CompiledGrammar grammar, TokenTrie trie, ReadOnlySpan<int> stopTokens)
    {
        _grammar = grammar;
        _trie = trie;
        _stopTokens = stopTokens.ToArray();
        _walkStates = new int[trie.MaxDepth + 1];
        MaskWords = (trie.VocabSize + 63) / 64;

        _scratch.Clear();
        _visited.Clear();
        for (int a = grammar.RuleStart[grammar.StartRule]; a < grammar.RuleStart[grammar.StartRule + 1]; a++)
            Expand(grammar.Alternatives[a], -1);
        Start = Intern();
    }

    /// <summary>Gives the masks it holds back to the budget.</summary>
    ~GrammarAutomaton() => Interlocked.Add(ref s_cachedMasks, -_cachedMasks);

    public int Start { get; }

    public int MaskWords { get; }

    public int StateCount
    {
        get { lock (_gate) return _states.Count; }
    }

    /// <summary>The input so far is a whole sentence (end of text may come now).</summary>
    public bool IsAccepting(int state)
    {
        lock (_gate) return Accepting(state);
    }

    /// <summary>Bytes may follow: some stack is not empty.</summary>
    public bool CanContinue(int state)
    {
        lock (_gate) return Continues(state);
    }

    /// <summary>The state after <paramref name="bytes"/>, or <see cref="Dead"/>.</summary>
    public int Next(int state, ReadOnlySpan<byte> bytes)
    {
        lock (_gate)
        {
            foreach (byte b in bytes)
            {
                state = Step(state, b);
                if (state == Dead) break;
            }
            return state;
        }
    }

    /// <summary>The tokens the grammar allows next, one bit per token id; never changed once returned.</summary>
    public ulong[] Mask(int state)
    {
        lock (_gate) return CachedMask(state);
    }

    /// <summary>The mask of <paramref name="state"/> if it is cached, else null (computing none).</summary>
    public ulong[]? CachedMaskOrNull(int state)
    {
        lock (_gate) return _masks[state];
    }

    private bool Accepting(int state) => _states[state].Length > 0 && _states[state][0] == AcceptNode;

    private bool Continues(int state) => _states[state].Length > (Accepting(state) ? 1 : 0);

    private int Step(int state, byte b)
    {
        int[] row = _next[state];
        int next = row[b];
        if (next == Unknown) row[b] = next = Advance(state, b);
        return next;
    }

    private ulong[] CachedMask(int state)
    {
        if (_masks[state] is { } cached) return cached;
        var mask = Walk(state);
        if (Volatile.Read(ref s_cachedMasks) >= MaxCachedMasks && _cachedMasks > 0)
        {
            CollectionsMarshal.AsSpan(_masks).Clear();
            Interlocked.Add(ref s_cachedMasks, -_cachedMasks);
            _cachedMasks = 0;
        }
        if (Interlocked.Increment(ref s_cachedMasks) > MaxCachedMasks)
        {
            Interlocked.Decrement(ref s_cachedMasks);
            return mask;
        }
        _masks[state] = mask;
        _cachedMasks++;
        return mask;
    }

    /// <summary>Walks the trie from <paramref name="state"/>: every token whose bytes the grammar can take.</summary>
    private ulong[] Walk(int state)
    {
        var mask = new ulong[MaskWords];
        var trie = _trie;
        var depth = trie.Depth;
        var bytes = trie.Bytes;
        var subtreeEnd = trie.SubtreeEnd;
        var tokenStart = trie.TokenStart;
        var tokens = trie.Tokens;
        var walk = _walkStates;
        walk[0] = state;
        if (Continues(state))
        {
            for (int i = 0; i < bytes.Length;)
            {
                int d = depth[i];
                int s = Step(walk[d - 1], bytes[i]);
                if (s == Dead)
                {
                    i = subtreeEnd[i];
                    continue;
                }
                walk[d] = s;
                for (int t = tokenStart[i]; t < tokenStart[i + 1]; t++) mask[tokens[t] >> 6] |= 1UL << tokens[t];
                i++;
            }
        }
        if (Accepting(state))
            foreach (int stop in _stopTokens) mask[stop >> 6] |= 1UL << stop;
        return mask;
    }

    /// <summary>The fewest bytes that complete a sentence from <paramref name="state"/>.</summary>
    public int MinBytesToFinish(int state)
    {
        lock (_gate) return MinBytes(state);
    }

    private int MinBytes(int state)
    {
        int best = int.MaxValue;
        foreach (int top in _states[state])
        {
            int total = 0;
            for (int node = top; node > AcceptNode; node = _nodes[node].Parent < 0 ? AcceptNode : _nodes[node].Parent)
                total += _grammar.MinSuffix[_nodes[node].Position];
            best = Math.Min(best, total);
        }
        return best;
    }

    private int Advance(int state, byte b)
    {
        _scratch.Clear();
        _visited.Clear();
        var symbols = _grammar.Symbols;
        foreach (int top in _states[state])
        {
            if (top == AcceptNode) continue;
            var (position, parent) = _nodes[top];
            if (_grammar.Terminals[symbols[position]].Contains(b)) Expand(position + 1, parent);
        }
        return _scratch.Count == 0 ? Dead : Intern();
    }

    /// <summary>
    /// Adds to the scratch set the stacks that continue at <paramref name="position"/> over <paramref name="parent"/>,
    /// each topped by a terminal: a rule reference pushes its continuation (none for a reference that ends its
    /// alternative, so repetition does not grow the stack) and expands every alternative; an end pops.
    /// </summary>
    private void Expand(int position, int parent)
    {
        if (!_visited.Add((position, parent))) return;
        var symbols = _grammar.Symbols;
        int symbol = symbols[position];
        if (symbol == CompiledGrammar.End)
        {
            if (parent < 0) _scratch.Add(AcceptNode);
            else Expand(_nodes[parent].Position, _nodes[parent].Parent);
            return;
        }
        if (symbol >= 0)
        {
            _scratch.Add(Node(position, parent));
            return;
        }
        int rule = ~symbol;
        int continuation = symbols[position + 1] == CompiledGrammar.End ? parent : Node(position + 1, parent);
        var starts = _grammar.Alternatives;
        for (int a = _grammar.RuleStart[rule]; a < _grammar.RuleStart[rule + 1]; a++) Expand(starts[a], continuation);
    }

    private int Node(int position, int parent)
    {
        if (_nodeIds.TryGetValue((position, parent), out int id)) return id;
        id = _nodes.Count;
        _nodes.Add((position, parent));
        _nodeIds.Add((position, parent), id);
        return id;
    }

    private int Intern()
    {
        _scratch.Sort();
        var set = new int[_scratch.Count];
        int n = 0;
        foreach (int node in _scratch)
            if (n == 0 || set[n - 1] != node) set[n++] = node;
        if (n < set.Length) System.Array.Resize(ref set, n);
        if (_stateIds.TryGetValue(set, out int id)) return id;
        id = _states.Count;
        _states.Add(set);
        _stateIds.Add(set, id);
        var row = new int[256];
        System.Array.Fill(row, Unknown);
        _next.Add(row);
        _masks.Add(null);
        return id;
    }

    private sealed class SequenceComparer : IEqualityComparer<int[]>
    {
        public bool Equals(int[]? x, int[]? y) => x.AsSpan().SequenceEqual(y);

        public int GetHashCode(int[] set)
        {
            var hash = new HashCode();
            hash.AddBytes(MemoryMarshal.AsBytes(set.AsSpan()));
            return hash.ToHashCode();
        }
    }
}
