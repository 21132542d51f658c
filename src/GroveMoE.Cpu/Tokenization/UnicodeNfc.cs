using System.Globalization;
using System.Text;

namespace GroveMoE.Cpu.Tokenization;

/// <summary>
/// Unicode normalisation form C from an embedded table (Resources/nfc-table.txt). The projects run with
/// InvariantGlobalization, where <see cref="string.Normalize()"/> returns non-ASCII text unchanged, yet Qwen's
/// tokenizer NFC-normalises its input and ids differ when text is not NFC (a decomposed "é", U+212B "Å").
/// </summary>
internal static class UnicodeNfc
{
    private const int HangulS = 0xAC00, HangulL = 0x1100, HangulV = 0x1161, HangulT = 0x11A7;
    private const int HangulLCount = 19, HangulVCount = 21, HangulTCount = 28;
    private const int HangulNCount = HangulVCount * HangulTCount, HangulSCount = HangulLCount * HangulNCount;

    // Below U+0300 every character is NFC and stays so whatever follows it.
    private const char FirstAffected = '\u0300';

    private static readonly Dictionary<int, int[]> Decompositions = [];
    private static readonly Dictionary<int, byte> CombiningClasses = [];
    private static readonly Dictionary<long, int> Compositions = [];

    static UnicodeNfc()
    {
        using var stream = typeof(UnicodeNfc).Assembly.GetManifestResourceStream("nfc-table.txt")
            ?? throw new InvalidOperationException("embedded resource 'nfc-table.txt' is missing from the library");
        using var reader = new StreamReader(stream);
        while (reader.ReadLine() is { } line)
        {
            if (line.Length == 0 || line[0] == '#') continue;
            var f = line.Split(' ');
            int cp = int.Parse(f[1], NumberStyles.HexNumber, CultureInfo.InvariantCulture);
            switch (line[0])
            {
                case 'c': CombiningClasses[cp] = byte.Parse(f[2], CultureInfo.InvariantCulture); break;
                case 'd': Decompositions[cp] = f[2..].Select(h => int.Parse(h, NumberStyles.HexNumber, CultureInfo.InvariantCulture)).ToArray(); break;
                case 'p': Compositions[Pair(cp, int.Parse(f[2], NumberStyles.HexNumber, CultureInfo.InvariantCulture))] = int.Parse(f[3], NumberStyles.HexNumber, CultureInfo.InvariantCulture); break;
            }
        }
    }

    /// <summary>True when <paramref name="text"/> certainly is NFC without looking it up (all below U+0300).</summary>
    public static bool IsTriviallyNormalized(ReadOnlySpan<char> text) => !text.ContainsAnyInRange(FirstAffected, '\uFFFF');

    public static string Normalize(ReadOnlySpan<char> text)
    {
        if (IsTriviallyNormalized(text)) return text.ToString();
        var points = new List<int>(text.Length);
        foreach (var rune in text.EnumerateRunes()) Decompose(rune.Value, points);
        SortCombiningMarks(points);
        Compose(points);
        var result = new StringBuilder(points.Count);
        foreach (int cp in points) result.Append(new Rune(cp).ToString());
        string normalized = result.ToString();
        return normalized.AsSpan().SequenceEqual(text) ? text.ToString() : normalized;
    }

    private static void Decompose(int cp, List<int> into)
    {
        int s = cp - HangulS;
        if (s is >= 0 and < HangulSCount)
        {
            into.Add(HangulL + s / HangulNCount);
            into.Add(HangulV + s % HangulNCount / HangulTCount);
            if (s % HangulTCount != 0) into.Add(HangulT + s % HangulTCount);
        }
        else if (Decompositions.TryGetValue(cp, out var parts))
        {
            into.AddRange(parts);
        }
        else
        {
            into.Add(cp);
        }
    }

    private static int CombiningClass(int cp) => CombiningClasses.TryGetValue(cp, out byte c) ? c : 0;

    /// <summary>Canonical ordering: a stable sort by combining class of each run of non-starters.</summary>
    private static void SortCombiningMarks(List<int> points)
    {
        for (int i = 1; i < points.Count; i++)
        {
            int cp = points[i], ccc = CombiningClass(cp);
            if (ccc == 0) continue;
            int j = i;
            while (j > 0 && CombiningClass(points[j - 1]) > ccc)
            {
                points[j] = points[j - 1];
                j--;
            }
            points[j] = cp;
        }
    }

    /// <summary>The canonical composition algorithm of UAX #15, in place.</summary>
    private static void Compose(List<int> points)
    {
        if (points.Count == 0) return;
        int starter = 0, write = 1, lastClass = CombiningClass(points[0]);
        if (lastClass != 0) starter = -1;
        for (int read = 1; read < points.Count; read++)
        {
            int cp = points[read], ccc = CombiningClass(cp);
            bool blocked = starter < 0 || (write - 1 > starter && (lastClass == 0 || lastClass >= ccc));
            if (!blocked && TryCompose(points[starter], cp, out int composite))
            {
                points[starter] = composite;
                continue;
            }
            if (ccc == 0) starter = write;
            lastClass = ccc;
            points[write++] = cp;
        }
        points.RemoveRange(write, points.Count - write);
    }

    private static bool TryCompose(int first, int second, out int composite)
    {
        int l = first - HangulL, v = second - HangulV;
        if (l is >= 0 and < HangulLCount && v is >= 0 and < HangulVCount)
        {
            composite = HangulS + (l * HangulVCount + v) * HangulTCount;
            return true;
        }
        int s = first - HangulS, t = second - HangulT;
        if (s is >= 0 and < HangulSCount && s % HangulTCount == 0 && t is > 0 and < HangulTCount)
        {
            composite = first + t;
            return true;
        }
        return Compositions.TryGetValue(Pair(first, second), out composite);
    }

    private static long Pair(int first, int second) => ((long)first << 21) | (uint)second;
}
