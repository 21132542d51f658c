namespace GroveMoE.Cpu.Model;

/// <summary>
/// The rows of one forward pass over several sequences: each row is a token at a position of one sequence, whose keys
/// and values live in that sequence's <see cref="KvCache"/>. A sequence's rows are contiguous and in position order.
/// <see cref="LogitRows"/> are the rows whose next-token logits are wanted.
/// </summary>
internal sealed class SequenceBatch(int maxRows, int maxSequences)
{
    public int[] Tokens { get; } = new int[maxRows];
    public int[] Positions { get; } = new int[maxRows];

    /// <summary>Row → index into <see cref="Caches"/>.</summary>
    public int[] Sequences { get; } = new int[maxRows];

    public KvCache[] Caches { get; } = new KvCache[maxSequences];
    public int[] LogitRows { get; } = new int[maxRows];
    public int Count { get; private set; }
    public int LogitCount { get; private set; }
    public int MaxRows => Tokens.Length;

    public void Clear() => (Count, LogitCount) = (0, 0);

    public void Add(int token, int position, int sequence, bool logits)
    {
        Tokens[Count] = token;
        Positions[Count] = position;
        Sequences[Count] = sequence;
        if (logits) LogitRows[LogitCount++] = Count;
        Count++;
    }
}
