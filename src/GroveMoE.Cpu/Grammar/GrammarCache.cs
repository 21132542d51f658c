namespace GroveMoE.Cpu.Grammar;

/// <summary>
/// The grammars of recent schemas by their text, so requests that send the same schema (an agent's every turn, a
/// client's fixed response format) share one compiled grammar and with it the states and masks its automaton has
/// computed (see <see cref="CompiledGrammar.AutomatonFor"/>). Least recently used first out; masks are bounded
/// across all grammars by <see cref="GrammarAutomaton.MaxCachedMasks"/>.
/// </summary>
internal static class GrammarCache
{
    private const int Capacity = 32;

    private static readonly LinkedList<(string Key, CompiledGrammar Grammar)> Order = new();
    private static readonly Dictionary<string, LinkedListNode<(string Key, CompiledGrammar Grammar)>> ByKey = new(StringComparer.Ordinal);

    /// <summary>The grammar cached under <paramref name="key"/>, else <paramref name="compile"/>'s (cached when it succeeds).</summary>
    public static CompiledGrammar GetOrCompile(string key, Func<CompiledGrammar> compile)
    {
        lock (Order)
        {
            if (ByKey.TryGetValue(key, out var node))
            {
                Order.Remove(node);
                Order.AddFirst(node);
                return node.Value.Grammar;
            }
        }
        var grammar = compile(); // outside the lock: a large schema takes a while, and a refused one throws
        lock (Order)
        {
            if (ByKey.TryGetValue(key, out var raced)) return raced.Value.Grammar;
            ByKey.Add(key, Order.AddFirst((key, grammar)));
            if (Order.Count > Capacity)
            {
                ByKey.Remove(Order.Last!.Value.Key);
                Order.RemoveLast();
            }
            return grammar;
        }
    }
}
