using System.Runtime.CompilerServices;
using GroveMoE.Cpu.Tokenization;

namespace GroveMoE.Cpu.Grammar;

/// <summary>
/// The vocabulary's byte strings as a trie laid out in preorder: node i has a byte, a depth, the index just past its
/// subtree (so a walk can skip every token sharing a dead prefix in one step) and the tokens that end at it. Control
/// tokens (chat markup) and empty padding tokens are left out: no grammar lets the model write those. Built once per
/// tokenizer and shared.
/// </summary>
internal sealed class TokenTrie
{
    private static readonly ConditionalWeakTable<GroveTokenizer, TokenTrie> Cache = new();

    private TokenTrie(GroveTokenizer tokenizer)
    {
        VocabSize = tokenizer.VocabSize;
        var ids = new List<int>(VocabSize);
        for (int id = 0; id < VocabSize; id++)
            if (!tokenizer.IsSpecial(id) && tokenizer.TokenBytes(id).Length > 0) ids.Add(id);
        var sorted = ids.ToArray();
        System.Array.Sort(sorted, (a, b) => tokenizer.TokenBytes(a).SequenceCompareTo(tokenizer.TokenBytes(b)));

        var bytes = new List<byte>();
        var depth = new List<int>();
        var tokenStart = new List<int>();
        var tokens = new List<int>(sorted.Length);
        var path = new List<int>(); // node index at each depth of the current token
        var previous = ReadOnlySpan<byte>.Empty;
        foreach (int id in sorted)
        {
            var piece = tokenizer.TokenBytes(id);
            int common = piece.CommonPrefixLength(previous);
            if (common == piece.Length && piece.Length == previous.Length)
            {
                tokens.Add(id); // the same bytes as the previous token: one more token at its node
                continue;
            }
            path.RemoveRange(common, path.Count - common);
            for (int d = common; d < piece.Length; d++)
            {
                path.Add(bytes.Count);
                bytes.Add(piece[d]);
                depth.Add(d + 1);
                tokenStart.Add(tokens.Count);
            }
            tokens.Add(id);
            previous = piece;
            MaxDepth = Math.Max(MaxDepth, piece.Length);
        }
        Bytes = [.. bytes];
        Depth = [.. depth];
        Tokens = [.. tokens];
        // A node's tokens run from its tokenStart to the next node's tokenStart.
        TokenStart = [.. tokenStart, tokens.Count];
        SubtreeEnd = new int[Bytes.Length];
        var open = new Stack<int>();
        for (int i = 0; i < Bytes.Length; i++)
        {
            while (open.Count > 0 && Depth[open.Peek()] >= Depth[i]) SubtreeEnd[open.Pop()] = i;
            open.Push(i);
        }
        while (open.Count > 0) SubtreeEnd[open.Pop()] = Bytes.Length;
    }

    public static TokenTrie For(GroveTokenizer tokenizer) => Cache.GetValue(tokenizer, t => new TokenTrie(t));

    public int VocabSize { get; }

    public int MaxDepth { get; }

    public byte[] Bytes { get; }

    /// <summary>1 for a token's first byte.</summary>
    public int[] Depth { get; }

    public int[] SubtreeEnd { get; }

    /// <summary>The tokens ending at node i are <c>Tokens[TokenStart[i] .. TokenStart[i + 1])</c>.</summary>
    public int[] TokenStart { get; }

    public int[] Tokens { get; }
}
