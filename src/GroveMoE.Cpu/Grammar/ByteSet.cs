namespace GroveMoE.Cpu.Grammar;

/// <summary>A set of byte values: one terminal of a byte-level grammar (a character class over UTF-8 bytes).</summary>
internal readonly record struct ByteSet(ulong W0, ulong W1, ulong W2, ulong W3)
{
    public static ByteSet Of(byte b) => Range(b, b);

    /// <summary>Bytes <paramref name="first"/> to <paramref name="last"/>, both included.</summary>
    public static ByteSet Range(int first, int last)
    {
        ulong w0 = 0, w1 = 0, w2 = 0, w3 = 0;
        for (int b = first; b <= last; b++)
        {
            switch (b >> 6)
            {
                case 0: w0 |= 1UL << b; break;
                case 1: w1 |= 1UL << (b & 63); break;
                case 2: w2 |= 1UL << (b & 63); break;
                default: w3 |= 1UL << (b & 63); break;
            }
        }
        return new(w0, w1, w2, w3);
    }

    public static ByteSet Chars(string ascii)
    {
        var set = default(ByteSet);
        foreach (char c in ascii) set |= Of((byte)c);
        return set;
    }

    public bool IsEmpty => (W0 | W1 | W2 | W3) == 0;

    public bool Contains(byte b) => ((b >> 6) switch { 0 => W0, 1 => W1, 2 => W2, _ => W3 } & (1UL << (b & 63))) != 0;

    public static ByteSet operator |(ByteSet a, ByteSet b) => new(a.W0 | b.W0, a.W1 | b.W1, a.W2 | b.W2, a.W3 | b.W3);

    public static ByteSet operator -(ByteSet a, ByteSet b) => new(a.W0 & ~b.W0, a.W1 & ~b.W1, a.W2 & ~b.W2, a.W3 & ~b.W3);
}
