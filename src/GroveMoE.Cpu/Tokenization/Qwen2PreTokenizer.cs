using System.Globalization;
using System.Text;
using Microsoft.ML.Tokenizers;

namespace GroveMoE.Cpu.Tokenization;

/// <summary>
/// Qwen2's pre-tokenizer split (the regex in Qwen2's <c>tokenizer.json</c>), written out by hand.
/// A .NET Regex cannot run that pattern faithfully: it matches UTF-16 code units, so a character outside the BMP
/// (an emoji, a CJK extension ideograph) is two surrogates that are neither \p{L} nor a single
/// <c>[^\r\n\p{L}\p{N}]</c>, and "😀abc" would split as "😀" + "abc" instead of one piece. This scanner works on code
/// points and tries the pattern's alternatives in order, exactly as the leftmost-first regex engines of Hugging Face
/// tokenizers and llama.cpp do.
/// </summary>
internal sealed class Qwen2PreTokenizer : PreTokenizer
{
    public static readonly Qwen2PreTokenizer Instance = new();

    public override IEnumerable<(int Offset, int Length)> PreTokenize(string text) => Split(text.AsSpan());

    public override IEnumerable<(int Offset, int Length)> PreTokenize(ReadOnlySpan<char> text) => Split(text);

    private static List<(int Offset, int Length)> Split(ReadOnlySpan<char> text)
    {
        var pieces = new List<(int, int)>();
        int i = 0;
        while (i < text.Length)
        {
            int end = MatchAt(text, i);
            pieces.Add((i, end - i));
            i = end;
        }
        return pieces;
    }

    /// <summary>The end of the match that starts at <paramref name="i"/> (always past i).</summary>
    internal static int MatchAt(ReadOnlySpan<char> text, int i)
    {
        // (?i:'s|'t|'re|'ve|'m|'ll|'d)
        if (text[i] == '\'' && Contraction(text, i + 1) is > 0 and var n) return i + 1 + n;

        var c = RuneAt(text, i);
        int afterC = i + c.Utf16SequenceLength;

        // [^\r\n\p{L}\p{N}]?\p{L}+
        if (IsLetter(c)) return SkipLetters(text, afterC);
        if (c.Value is not ('\r' or '\n') && !IsNumber(c) && afterC < text.Length && IsLetter(RuneAt(text, afterC)))
            return SkipLetters(text, afterC);

        // \p{N}
        if (IsNumber(c)) return afterC;

        // ' '?[^\s\p{L}\p{N}]+[\r\n]*
        int start = c.Value == ' ' ? afterC : i;
        if (start < text.Length && IsOther(RuneAt(text, start)))
        {
            int j = start;
            while (j < text.Length && RuneAt(text, j) is var r && IsOther(r)) j += r.Utf16SequenceLength;
            while (j < text.Length && text[j] is '\r' or '\n') j++;
            return j;
        }

        // The rest all begin with whitespace (every code point is a letter, a number, whitespace or "other").
        int runEnd = i, lastNewline = -1;
        while (runEnd < text.Length && RuneAt(text, runEnd) is var r && Rune.IsWhiteSpace(r))
        {
            if (r.Value is '\r' or '\n') lastNewline = runEnd;
            runEnd += r.Utf16SequenceLength;
        }
        // \s*[\r\n]+ : greedy whitespace backs off to the run's last line break
        if (lastNewline >= 0) return lastNewline + 1;
        // \s+(?!\S) : the run, less its last character when a non-space follows
        if (runEnd == text.Length) return runEnd;
        if (runEnd - 1 > i) return runEnd - 1; // every whitespace character is one UTF-16 unit
        // \s+
        return runEnd;
    }

    private static int Contraction(ReadOnlySpan<char> text, int j)
    {
        char a = j < text.Length ? char.ToLowerInvariant(text[j]) : '\0';
        char b = j + 1 < text.Length ? char.ToLowerInvariant(text[j + 1]) : '\0';
        return a switch
        {
            's' or '\u017F' or 't' or 'm' or 'd' => 1, // U+017F (long s) case-folds to 's' in Unicode regex engines
            'r' or 'v' when b == 'e' => 2,
            'l' when b == 'l' => 2,
            _ => 0,
        };
    }

    private static int SkipLetters(ReadOnlySpan<char> text, int j)
    {
        while (j < text.Length && RuneAt(text, j) is var r && IsLetter(r)) j += r.Utf16SequenceLength;
        return j;
    }

    private static Rune RuneAt(ReadOnlySpan<char> text, int i) =>
        Rune.DecodeFromUtf16(text[i..], out var rune, out _) == System.Buffers.OperationStatus.Done ? rune : Rune.ReplacementChar;

    private static bool IsLetter(Rune r) => Rune.GetUnicodeCategory(r) is UnicodeCategory.UppercaseLetter
        or UnicodeCategory.LowercaseLetter or UnicodeCategory.TitlecaseLetter or UnicodeCategory.ModifierLetter
        or UnicodeCategory.OtherLetter;

    private static bool IsNumber(Rune r) => Rune.GetUnicodeCategory(r) is UnicodeCategory.DecimalDigitNumber
        or UnicodeCategory.LetterNumber or UnicodeCategory.OtherNumber;

    private static bool IsOther(Rune r) => !Rune.IsWhiteSpace(r) && !IsLetter(r) && !IsNumber(r);
}
