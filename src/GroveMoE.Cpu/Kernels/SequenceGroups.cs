using System.Runtime.CompilerServices;

namespace GroveMoE.Cpu.Kernels;

/// <summary>
/// How a matmul's input rows split into kernel calls of up to four rows when the rows belong to several sequences
/// (continuous batching): a group never mixes sequences and counts from its sequence's first row, so a sequence's
/// rows group, and round (the one- and four-row kernels round differently), exactly as they would alone.
/// </summary>
internal static class SequenceGroups
{
    public const int Size = 4;

    /// <summary>Rows from <paramref name="i"/> (of <paramref name="n"/>) for one kernel call; <paramref name="sequences"/> empty for one sequence.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static int Length(ReadOnlySpan<int> sequences, int i, int n)
    {
        int end = Math.Min(n, i + Size);
        if (sequences.IsEmpty) return end - i;
        int count = 1;
        while (i + count < end && sequences[i + count] == sequences[i]) count++;
        return count;
    }

    /// <summary>
    /// The end of a chunk of at most <paramref name="limit"/> rows from <paramref name="start"/> that holds whole
    /// sequences (a longer sequence is cut every <paramref name="limit"/> rows from where it starts).
    /// </summary>
    public static int ChunkEnd(ReadOnlySpan<int> sequences, int start, int n, int limit)
    {
        if (sequences.IsEmpty) return Math.Min(n, start + limit);
        int end = start;
        while (end < n)
        {
            int runEnd = end + 1;
            while (runEnd < n && sequences[runEnd] == sequences[end]) runEnd++;
            if (runEnd - start > limit) return end > start ? end : start + limit;
            end = runEnd;
        }
        return end;
    }
}
