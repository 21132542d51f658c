using System.Numerics;

namespace GroveMoE.Cpu.Grammar;

/// <summary>
/// The pieces of JSON as byte-level rules: whitespace, string characters (valid UTF-8 only, escapes without lone
/// surrogates), numbers, literals and the string formats. Unbounded numbers are capped at 16 digits a part (as
/// llama.cpp does), so a model cannot run on in one number.
/// </summary>
internal sealed class JsonGrammarPrimitives
{
    private readonly GrammarBuilder _b;
    private readonly DecimalRangeGrammar _ranges;
    private Symbol? _char, _keyChar, _string, _number, _integer, _fraction;

    public JsonGrammarPrimitives(GrammarBuilder builder)
    {
        _b = builder;
        _ranges = new DecimalRangeGrammar(builder);
        // Optional whitespace between tokens: one space, or a newline and up to 20 spaces or tabs of indent.
        Whitespace = _b.Rule([], [_b.Literal(" ")], [_b.Literal("\n"), _b.Repeat(_b.Class(ByteSet.Chars(" \t")), 0, 20)]);
    }

    public Symbol Whitespace { get; }

    public DecimalRangeGrammar Ranges => _ranges;

    /// <summary>One character of a JSON string: an unescaped UTF-8 character or an escape.</summary>
    public Symbol Char => _char ??= _b.Rule([KeyChar], [_b.Literal("\\"), Escape()]);

    /// <summary>One unescaped character: printable ASCII but '"' and '\', or a well-formed multi-byte UTF-8 sequence.</summary>
    public Symbol KeyChar => _keyChar ??= UnescapedChar(ByteSet.Range(0x20, 0x7F) - ByteSet.Chars("\"\\"));

    public Symbol AnyString => _string ??= Quoted(_b.Star(Char));

    public Symbol Quoted(Symbol content) => _b.Sequence(_b.Literal("\""), content, _b.Literal("\""));

    /// <summary>Any JSON number: -?(0|[1-9][0-9]{0,15})(.[0-9]{1,16})?([eE][+-]?[0-9]{1,3})?.</summary>
    public Symbol AnyNumber => _number ??= _b.Sequence(AnyInteger,
        _b.Optional(_b.Sequence(_b.Literal("."), _b.Repeat(_ranges.Digit, 1, 16))),
        _b.Optional(_b.Sequence(_b.Class(ByteSet.Chars("eE")), _b.Optional(_b.Class(ByteSet.Chars("+-"))), _b.Repeat(_ranges.Digit, 1, 3))));

    public Symbol AnyInteger => _integer ??= _ranges.Integers(null, null)!.Value;

    /// <summary>A fraction that is never zero ('.', up to 15 digits, a non-zero digit), so "k.f" lies strictly between k and k+1.</summary>
    private Symbol NonZeroFraction => _fraction ??= _b.Sequence(_b.Literal("."), _b.Repeat(_ranges.Digit, 0, 15), _b.Class(ByteSet.Range('1', '9')));

    /// <summary>
    /// Numbers within bounds: the integers in range, plus "k.f" where all of (k, k+1) is in range (the same for
    /// negatives). Sound, not complete: some values in range (like 2.5 in [2.2, 2.7]) cannot be written; when no
    /// integer fits at all, the one value written is the middle of the range. Null when the range is empty.
    /// </summary>
    public Symbol? BoundedNumber(double? min, bool minExclusive, double? max, bool maxExclusive)
    {
        BigInteger? lo = min is { } a ? (BigInteger)(minExclusive ? Math.Floor(a) + 1 : Math.Ceiling(a)) : null;
        BigInteger? hi = max is { } z ? (BigInteger)(maxExclusive ? Math.Ceiling(z) - 1 : Math.Floor(z)) : null;
        var alternatives = new List<Symbol[]>();
        if (_ranges.Integers(lo, hi) is { } integers) alternatives.Add([integers]);
        // Positive fractions k.f in (k, k+1): k >= ceil(min), k + 1 <= floor(max).
        BigInteger kLow = BigInteger.Max(0, min is { } m1 ? (BigInteger)Math.Ceiling(m1) : 0);
        BigInteger? kHigh = max is { } m2 ? (BigInteger)Math.Floor(m2) - 1 : null;
        if (_ranges.Magnitudes(kLow, kHigh) is { } positive) alternatives.Add([positive, NonZeroFraction]);
        // Negative fractions -k.f in (-(k+1), -k): k >= ceil(-max), k <= floor(-min) - 1.
        BigInteger nLow = BigInteger.Max(0, max is { } m3 ? (BigInteger)Math.Ceiling(-m3) : 0);
        BigInteger? nHigh = min is { } m4 ? (BigInteger)Math.Floor(-m4) - 1 : null;
        if (_ranges.Magnitudes(nLow, nHigh) is { } negative) alternatives.Add([_b.Literal("-"), negative, NonZeroFraction]);

        if (alternatives.Count > 0) return _b.Rule([.. alternatives]);
        if (min is { } l && max is { } h && (l < h || l == h && !minExclusive && !maxExclusive))
        {
            double middle = l + (h - l) / 2;
            return _b.Literal(middle.ToString("R", System.Globalization.CultureInfo.InvariantCulture));
        }
        return null;
    }

    /// <summary>The string formats JSON Schema names that are written here; null for one that is not supported.</summary>
    public Symbol? Format(string format) => format switch
    {
        "date" => Quoted(Date()),
        "time" => Quoted(Time()),
        "date-time" => Quoted(_b.Sequence(Date(), _b.Literal("T"), Time())),
        "uuid" => Quoted(Uuid()),
        "email" => Quoted(_b.Sequence(Word(ByteSet.Range('a', 'z') | ByteSet.Range('0', '9'), 1, 24), _b.Literal("@"), Hostname())),
        "hostname" => Quoted(Hostname()),
        "ipv4" => Quoted(Ipv4()),
        "uri" => Quoted(_b.Sequence(_b.Literal("https://"), Hostname(),
            _b.Repeat(_b.Sequence(_b.Literal("/"), Word(ByteSet.Range('a', 'z') | ByteSet.Range('0', '9') | ByteSet.Chars("-._~"), 0, 24)), 0, 6))),
        _ => null,
    };

    private Symbol Word(ByteSet chars, int min, int max) => _b.Repeat(_b.Class(chars), min, max);

    /// <summary>YYYY-MM-DD, real calendar days only (29 February is left out, so no year needs checking).</summary>
    private Symbol Date()
    {
        var year = _b.Sequence(_ranges.NonZeroDigit, _b.Repeat(_ranges.Digit, 3, 3));
        var day28 = _b.Rule([_b.Literal("0"), _ranges.NonZeroDigit], [_b.Literal("1"), _ranges.Digit], [_b.Literal("2"), _b.Class(ByteSet.Range('0', '8'))]);
        var monthDay = _b.Rule(
            [_b.Rule([_b.Literal("0"), _ranges.NonZeroDigit], [_b.Literal("1"), _b.Class(ByteSet.Range('0', '2'))]), _b.Literal("-"), day28],
            [_b.Rule([_b.Literal("0"), _b.Class(ByteSet.Chars("13456789"))], [_b.Literal("1"), _b.Class(ByteSet.Range('0', '2'))]), _b.Literal("-"), _b.Rule([_b.Literal("29")], [_b.Literal("30")])],
            [_b.Rule([_b.Literal("0"), _b.Class(ByteSet.Chars("13578"))], [_b.Literal("1"), _b.Class(ByteSet.Chars("02"))]), _b.Literal("-31")]);
        return _b.Sequence(year, _b.Literal("-"), monthDay);
    }

    /// <summary>RFC 3339 full-time: HH:MM:SS, optional fraction, then Z or an offset.</summary>
    private Symbol Time()
    {
        var hour = _b.Rule([_b.Class(ByteSet.Chars("01")), _ranges.Digit], [_b.Literal("2"), _b.Class(ByteSet.Range('0', '3'))]);
        var sixty = _b.Sequence(_b.Class(ByteSet.Range('0', '5')), _ranges.Digit);
        var offset = _b.Rule([_b.Literal("Z")], [_b.Class(ByteSet.Chars("+-")), hour, _b.Literal(":"), sixty]);
        return _b.Sequence(hour, _b.Literal(":"), sixty, _b.Literal(":"), sixty,
            _b.Optional(_b.Sequence(_b.Literal("."), _b.Repeat(_ranges.Digit, 1, 6))), offset);
    }

    private Symbol Uuid()
    {
        var hex = _b.Class(ByteSet.Range('0', '9') | ByteSet.Range('a', 'f'));
        Symbol Hex(int n) => _b.Repeat(hex, n, n);
        var dash = _b.Literal("-");
        return _b.Sequence(Hex(8), dash, Hex(4), dash, Hex(4), dash, Hex(4), dash, Hex(12));
    }

    /// <summary>
    /// label(.label)*.tld with an alphabetic top-level label of two or more letters: RFC 1123 allows a single label,
    /// but strict validators (JsonSchema.Net among them) want a dot and such a top-level label, so only what both accept.
    /// </summary>
    private Symbol Hostname()
    {
        var label = _b.Sequence(_b.Class(ByteSet.Range('a', 'z')), Word(ByteSet.Range('a', 'z') | ByteSet.Range('0', '9'), 0, 20));
        var topLevel = Word(ByteSet.Range('a', 'z'), 2, 6);
        return _b.Sequence(label, _b.Repeat(_b.Sequence(_b.Literal("."), label), 0, 2), _b.Literal("."), topLevel);
    }

    private Symbol Ipv4()
    {
        var octet = _ranges.Magnitudes(0, 255)!.Value;
        var dot = _b.Literal(".");
        return _b.Sequence(octet, dot, octet, dot, octet, dot, octet);
    }

    /// <summary>\" \\ \/ \b \f \n \r \t or \uXXXX that is not a surrogate (D800-DFFF), which alone is not text.</summary>
    private Symbol Escape()
    {
        var hex = _b.Class(ByteSet.Range('0', '9') | ByteSet.Range('a', 'f') | ByteSet.Range('A', 'F'));
        var notD = _b.Class(ByteSet.Range('0', '9') | ByteSet.Range('a', 'c') | ByteSet.Range('A', 'C') | ByteSet.Range('e', 'f') | ByteSet.Range('E', 'F'));
        var unicode = _b.Rule(
            [notD, hex, hex, hex],
            [_b.Class(ByteSet.Chars("dD")), _b.Class(ByteSet.Range('0', '7')), hex, hex]);
        return _b.Rule([_b.Class(ByteSet.Chars("\"\\/bfnrt"))], [_b.Literal("u"), unicode]);
    }

    /// <summary>One character as well-formed UTF-8 (no overlongs, no surrogates, nothing past U+10FFFF).</summary>
    public Symbol UnescapedChar(ByteSet ascii)
    {
        var cont = _b.Class(ByteSet.Range(0x80, 0xBF));
        Symbol C(int lo, int hi) => _b.Class(ByteSet.Range(lo, hi));
        return _b.Rule(
            [_b.Class(ascii)],
            [C(0xC2, 0xDF), cont],
            [C(0xE0, 0xE0), C(0xA0, 0xBF), cont],
            [C(0xE1, 0xEC), cont, cont],
            [C(0xED, 0xED), C(0x80, 0x9F), cont],
            [C(0xEE, 0xEF), cont, cont],
            [C(0xF0, 0xF0), C(0x90, 0xBF), cont, cont],
            [C(0xF1, 0xF3), cont, cont, cont],
            [C(0xF4, 0xF4), C(0x80, 0x8F), cont, cont]);
    }
}
