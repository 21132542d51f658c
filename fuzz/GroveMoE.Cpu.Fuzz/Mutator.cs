using System.Buffers.Binary;
using System.Text;

namespace GroveMoE.Cpu.Fuzz;

/// <summary>
/// Deterministic mutations of a seed: bit flips, boundary integers written over counts, lengths and offsets,
/// truncation, chunks deleted or repeated, and for JSON, tokens that stress decoders (lone surrogates, deep nesting,
/// huge numbers). The same (seed, index) always gives the same mutant.
/// </summary>
public static class Mutator
{
    private static readonly ulong[] Boundaries =
    [
        0, 1, 2, 7, 8, 31, 32, 33, 63, 64, 127, 128, 255, 256, 4095, 4096, 65535, 65536,
        int.MaxValue, (ulong)int.MaxValue + 1, uint.MaxValue, (ulong)uint.MaxValue + 1,
        long.MaxValue, 1UL << 63, ulong.MaxValue, ulong.MaxValue - 31, ulong.MaxValue - 7, 1UL << 40, 1UL << 30,
    ];

    private static readonly string[] JsonTokens =
    [
        "\\ud800", "\\udfff", "\\u0000", "\"", "\\", "{", "}", "[", "]", ",", ":", "null", "true", "-1", "0", "1e999",
        "-9223372036854775809", "18446744073709551616", "4294967296", "2147483648", "1.5", "\"\"", "[]", "{}",
        "\"__metadata__\"", "\"dtype\"", "\"shape\"", "\"data_offsets\"", "\"weight_map\"", "\"F32\"", "\"BF16\"", "\"I64\"",
        "\"messages\"", "\"role\"", "\"content\"", "\"stop\"", "\"max_tokens\"", "\"temperature\"", "\"response_format\"",
        "\"n\"", "\"seed\"", "\"type\"", "\"text\"", "\"prompt\"", "\"top_k\"", "\"logit_bias\"", "\"stream\"",
    ];

    public static byte[] Mutate(byte[] seed, int interestingPrefix, bool json, int seedNumber, long index)
    {
        var random = new Random(HashCode.Combine(seedNumber, index, 0x6a09e667));
        var bytes = new List<byte>(seed);
        int operations = 1 + random.Next(random.Next(4) == 0 ? 8 : 3);
        for (int i = 0; i < operations; i++)
        {
            if (bytes.Count == 0) bytes.Add(0);
            int limit = random.Next(10) == 0 ? bytes.Count : Math.Clamp(interestingPrefix, 1, bytes.Count);
            int at = random.Next(limit);
            switch (random.Next(json ? 9 : 7))
            {
                case 0:
                    bytes[at] ^= (byte)(1 << random.Next(8));
                    break;
                case 1:
                    bytes[at] = (byte)random.Next(256);
                    break;
                case 2:
                case 3:
                    WriteInteger(bytes, at, Boundaries[random.Next(Boundaries.Length)], random);
                    break;
                case 4:
                    bytes.RemoveRange(at, Math.Min(bytes.Count - at, 1 + random.Next(random.Next(2) == 0 ? 8 : 256)));
                    break;
                case 5:
                {
                    int length = Math.Min(bytes.Count - at, 1 + random.Next(64));
                    var chunk = bytes.GetRange(at, length);
                    int repeats = random.Next(8) == 0 ? 1 + random.Next(2000) : 1;
                    int to = random.Next(bytes.Count + 1);
                    for (int r = 0; r < repeats; r++) bytes.InsertRange(to, chunk);
                    break;
                }
                case 6:
                    if (random.Next(4) == 0) bytes.RemoveRange(at, bytes.Count - at); // truncation
                    else bytes[at] = (byte)(bytes[at] + random.Next(-3, 4));
                    break;
                default:
                    InsertJsonToken(bytes, at, random);
                    break;
            }
        }
        return [.. bytes];
    }

    private static void WriteInteger(List<byte> bytes, int at, ulong value, Random random)
    {
        if (random.Next(4) == 0) value += (ulong)random.Next(-2, 3);
        int width = random.Next(3) switch { 0 => 4, 1 => 8, _ => random.Next(2) == 0 ? 1 : 2 };
        Span<byte> le = stackalloc byte[8];
        BinaryPrimitives.WriteUInt64LittleEndian(le, value);
        for (int i = 0; i < width && at + i < bytes.Count; i++) bytes[at + i] = le[i];
    }

    private static void InsertJsonToken(List<byte> bytes, int at, Random random)
    {
        string token = random.Next(12) == 0
            ? new string('[', 1 + random.Next(3000))
            : JsonTokens[random.Next(JsonTokens.Length)];
        var encoded = random.Next(16) == 0 ? [0xC3, 0x28] : Encoding.UTF8.GetBytes(token);
        if (random.Next(3) == 0 && at < bytes.Count)
            bytes.RemoveRange(at, Math.Min(bytes.Count - at, 1 + random.Next(6)));
        bytes.InsertRange(Math.Min(at, bytes.Count), encoded);
    }
}
