namespace GroveMoE.Cpu.Tokenization;

/// <summary>
/// Finds control and user-defined tokens (<c>&lt;|im_start|&gt;</c>, <c>&lt;think&gt;</c>, ...) in text so that each
/// becomes its one id instead of going through BPE; the longest token wins where several start at one place.
/// </summary>
internal sealed class SpecialTokenMatcher
{
    // Candidates by first character, longest first.
    private readonly Dictionary<char, (string Text, int Id)[]> _byFirstChar;

    public SpecialTokenMatcher(IEnumerable<(string Text, int Id)> tokens)
    {
        _byFirstChar = tokens
            .Where(t => t.Text.Length > 0)
            .GroupBy(t => t.Text[0])
            .ToDictionary(g => g.Key, g => g.OrderByDescending(t => t.Text.Length).ToArray());
    }

    /// <summary>The first special token at or after <paramref name="start"/>, or false when there is none.</summary>
    public bool TryFindNext(ReadOnlySpan<char> text, int start, out int index, out int length, out int id)
    {
        for (int i = start; i < text.Length; i++)
        {
            if (!_byFirstChar.TryGetValue(text[i], out var candidates)) continue;
            foreach (var (token, tokenId) in candidates)
            {
                if (!text[i..].StartsWith(token, StringComparison.Ordinal)) continue;
                (index, length, id) = (i, token.Length, tokenId);
                return true;
            }
        }
        (index, length, id) = (-1, 0, -1);
        return false;
    }
}
