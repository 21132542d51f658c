namespace GroveMoE.Cpu.Tokenization;

/// <summary>
/// GPT-2's byte-level alphabet: every byte is one printable character, bytes that are printable Latin-1 as
/// themselves and the rest as U+0100 onwards (so the space byte is 'Ġ'). Byte-level BPE vocabularies are spelled in it.
/// </summary>
public static class ByteLevelAlphabet
{
    private static readonly char[] ByteToChar = BuildByteToChar();
    private static readonly Dictionary<char, byte> CharToByte = ByteToChar
        .Select((c, b) => (c, b)).ToDictionary(p => p.c, p => (byte)p.b);

    /// <summary>The character that spells byte <paramref name="b"/>.</summary>
    public static char ToChar(byte b) => ByteToChar[b];

    /// <summary>The byte <paramref name="c"/> spells; false when <paramref name="c"/> is not in the alphabet.</summary>
    public static bool TryGetByte(char c, out byte b) => CharToByte.TryGetValue(c, out b);

    /// <summary>The bytes a token spelled in the alphabet stands for; a character outside it stands for its own UTF-8.</summary>
    public static byte[] ToBytes(string token)
    {
        var bytes = new List<byte>(token.Length);
        Span<byte> utf8 = stackalloc byte[4];
        foreach (var rune in token.EnumerateRunes())
        {
            if (rune.IsBmp && TryGetByte((char)rune.Value, out byte b))
            {
                bytes.Add(b);
            }
            else
            {
                int n = rune.EncodeToUtf8(utf8);
                for (int i = 0; i < n; i++) bytes.Add(utf8[i]);
            }
        }
        return [.. bytes];
    }

    private static char[] BuildByteToChar()
    {
        var map = new char[256];
        int next = 256;
        for (int b = 0; b < 256; b++)
        {
            bool printable = b is >= '!' and <= '~' or >= 0xA1 and <= 0xAC or >= 0xAE and <= 0xFF;
            map[b] = printable ? (char)b : (char)next++;
        }
        return map;
    }
}
