using System.Numerics;

namespace GroveMoE.Cpu.Grammar;

/// <summary>
/// Decimal integers (no leading zeros, '-' for negatives) within bounds, as grammar rules: the language of exactly
/// the integers in [lo, hi], built digit position by digit position like a numeric-range regex.
/// </summary>
internal sealed class DecimalRangeGrammar(GrammarBuilder builder)
{
    private readonly Symbol _digit = builder.Class(ByteSet.Range('0', '9'));
    private readonly Symbol _nonZero = builder.Class(ByteSet.Range('1', '9'));

    /// <summary>The integers in [<paramref name="lo"/>, <paramref name="hi"/>] (null: unbounded), or null when none.</summary>
    /// <param name="maxDigits">digits at most where a side is unbounded (a model must stop somewhere)</param>
    public Symbol? Integers(BigInteger? lo, BigInteger? hi, int maxDigits = 16)
    {
        if (lo > hi) return null;
        var alternatives = new List<Symbol[]>();
        // Negatives n in [lo, min(hi, -1)]: '-' then the magnitude -n in [max(1, -hi), -lo].
        if (lo is null || lo < 0)
        {
            var magnitudes = Magnitudes(hi is { } h && h < 0 ? -h : 1, lo is { } l ? -l : null, maxDigits);
            if (magnitudes is { } m) alternatives.Add([builder.Literal("-"), m]);
        }
        if (hi is null || hi >= 0)
        {
            var magnitudes = Magnitudes(lo is { } l && l > 0 ? l : 0, hi, maxDigits);
            if (magnitudes is { } m) alternatives.Add([m]);
        }
        return alternatives.Count == 0 ? null : builder.Rule([.. alternatives]);
    }

    /// <summary>Non-negative integers in [a, b] (b null: up to <paramref name="maxDigits"/> digits).</summary>
    public Symbol? Magnitudes(BigInteger a, BigInteger? b, int maxDigits = 16)
    {
        if (b < a) return null;
        int first = Digits(a), last = b is { } end ? Digits(end) : Math.Max(first, maxDigits);
        var alternatives = new List<Symbol[]>();
        for (int d = first; d <= last; d++)
        {
            BigInteger lo = BigInteger.Max(a, d == 1 ? 0 : BigInteger.Pow(10, d - 1));
            BigInteger hi = BigInteger.Pow(10, d) - 1;
            if (b is { } bound && bound < hi) hi = bound;
            if (lo > hi) continue;
            alternatives.Add([SameLength(lo.ToString(), hi.ToString())]);
        }
        return alternatives.Count == 0 ? null : builder.Rule([.. alternatives]);
    }

    private static int Digits(BigInteger n) => n.IsZero ? 1 : n.ToString().Length;

    /// <summary>The digit strings of one length between <paramref name="lo"/> and <paramref name="hi"/>.</summary>
    private Symbol SameLength(string lo, string hi)
    {
        if (lo.Length == 0) return builder.Empty();
        if (lo.All(c => c == '0') && hi.All(c => c == '9')) return builder.Repeat(_digit, lo.Length, lo.Length);
        if (lo[0] == hi[0]) return builder.Sequence(builder.Literal(lo[..1]), SameLength(lo[1..], hi[1..]));

        int rest = lo.Length - 1;
        List<Symbol[]> alternatives =
        [
            [builder.Literal(lo[..1]), SameLength(lo[1..], new string('9', rest))],
            [builder.Literal(hi[..1]), SameLength(new string('0', rest), hi[1..])],
        ];
        if (hi[0] - lo[0] > 1) alternatives.Add([builder.Class(ByteSet.Range(lo[0] + 1, hi[0] - 1)), builder.Repeat(_digit, rest, rest)]);
        return builder.Rule([.. alternatives]);
    }

    public Symbol NonZeroDigit => _nonZero;

    public Symbol Digit => _digit;
}
