using System.Buffers.Binary;
using GroveMoE.Cpu.Quantization;

namespace GroveMoE.Cpu.Tests.Reference;

/// <summary>
/// Float64 decoders of ggml's 32-blocks beyond Q8_0/Q4_0 and of its K-quant super-blocks, one element at a time from
/// the block definitions in ggml-common.h (which byte, which bits, which scale): a different route from the library's
/// loops, so a wrong offset or shift cannot hide in both.
/// </summary>
public static class ReferenceKQuants
{
    /// <summary>IQ4_NL's and IQ4_XS's non-linear grid (ggml's kvalues_iq4nl).</summary>
    private static readonly int[] Grid = [-127, -104, -83, -65, -49, -35, -22, -10, 1, 13, 25, 38, 53, 69, 89, 113];

    private static double Half(ReadOnlySpan<byte> b, int at) => ReferenceDequantizer.HalfBits(BinaryPrimitives.ReadUInt16LittleEndian(b[at..]));

    private static int Bit(ReadOnlySpan<byte> b, int at, int bit) => (b[at + bit / 8] >> (bit % 8)) & 1;

    /// <summary>The 4-bit quant of element i (0..31) of a 32-block whose nibbles start at <paramref name="at"/>: element j low, j+16 high.</summary>
    private static int Nibble32(ReadOnlySpan<byte> b, int at, int i) => i < 16 ? b[at + i] & 15 : b[at + i - 16] >> 4;

    /// <summary>Decodes <paramref name="elements"/> values of <paramref name="type"/>, or null when it is not one of these formats.</summary>
    public static double[]? Row(GgmlType type, ReadOnlySpan<byte> bytes, int elements)
    {
        Func<ReadOnlySpan<byte>, int, double>? element = type switch
        {
            GgmlType.Q4_1 => (b, i) => Half(b, 0) * Nibble32(b, 4, i) + Half(b, 2),
            GgmlType.Q5_0 => (b, i) => Half(b, 0) * (Nibble32(b, 6, i) + 16 * Bit(b, 2, i) - 16),
            GgmlType.Q5_1 => (b, i) => Half(b, 0) * (Nibble32(b, 8, i) + 16 * Bit(b, 4, i)) + Half(b, 2),
            GgmlType.IQ4_NL => (b, i) => Half(b, 0) * Grid[Nibble32(b, 2, i)],
            GgmlType.Q2_K => Q2K,
            GgmlType.Q3_K => Q3K,
            GgmlType.Q4_K => (b, i) => AffineK(b, i, Nibble64(b, 16, i)),
            GgmlType.Q5_K => (b, i) => AffineK(b, i, Nibble64(b, 48, i) + 16 * Bit(b, 16, 8 * (i % 32) + i / 32)),
            GgmlType.Q6_K => Q6K,
            GgmlType.IQ4_XS => IQ4XS,
            _ => null,
        };
        if (element is null) return null;
        int size = GgmlTypeInfo.BlockSize(type), blockBytes = GgmlTypeInfo.BlockBytes(type);
        var values = new double[elements];
        for (int e = 0; e < elements; e++) values[e] = element(bytes.Slice(e / size * blockBytes, blockBytes), e % size);
        return values;
    }

    /// <summary>Q4_K/Q5_K nibbles: 4 runs of 32 bytes; run c holds elements 64c..64c+31 low and 64c+32..64c+63 high.</summary>
    private static int Nibble64(ReadOnlySpan<byte> b, int at, int i)
    {
        int c = i / 64, r = i % 64;
        return r < 32 ? b[at + 32 * c + r] & 15 : b[at + 32 * c + r - 32] >> 4;
    }

    /// <summary>Q4_K/Q5_K: d·scale·q − dmin·min with the 6-bit pair of sub-block i/32.</summary>
    private static double AffineK(ReadOnlySpan<byte> b, int i, int q)
    {
        int j = i / 32;
        var s = b.Slice(4, 12);
        int scale = j < 4 ? s[j] & 63 : (s[j + 4] & 15) | ((s[j - 4] >> 6) << 4);
        int min = j < 4 ? s[j + 4] & 63 : (s[j + 4] >> 4) | ((s[j] >> 6) << 4);
        return Half(b, 0) * scale * q - Half(b, 2) * min;
    }

    /// <summary>Q2_K: 16 scale bytes (low nibble scale, high nibble min, per 16), 64 quant bytes, d at 80, dmin at 82.</summary>
    private static double Q2K(ReadOnlySpan<byte> b, int i)
    {
        int half = i / 128, g = i % 128 / 32, l = i % 32;
        int q = (b[16 + 32 * half + l] >> (2 * g)) & 3;
        int sc = b[i / 16];
        return Half(b, 80) * (sc & 15) * q - Half(b, 82) * (sc >> 4);
    }

    /// <summary>Q3_K: high-bit mask 0..31, quants 32..95, scales 96..107, d at 108.</summary>
    private static double Q3K(ReadOnlySpan<byte> b, int i)
    {
        int half = i / 128, g = i % 128 / 32, l = i % 32;
        int low = (b[32 + 32 * half + l] >> (2 * g)) & 3;
        int high = (b[l] >> (i / 32)) & 1;
        int s = i / 16;
        int scaleLow = s < 8 ? b[96 + s] & 15 : b[96 + s - 8] >> 4;
        int scale = scaleLow | (((b[96 + 8 + s % 4] >> (2 * (s / 4))) & 3) << 4);
        return Half(b, 108) * (scale - 32) * (low - (high == 1 ? 0 : 4));
    }

    /// <summary>Q6_K: low nibbles 0..127, high pairs 128..191, int8 scales 192..207, d at 208.</summary>
    private static double Q6K(ReadOnlySpan<byte> b, int i)
    {
        int half = i / 128, g = i % 128 / 32, l = i % 32;
        int lowByte = b[64 * half + 32 * (g % 2) + l];
        int low = g < 2 ? lowByte & 15 : lowByte >> 4;
        int high = (b[128 + 32 * half + l] >> (2 * g)) & 3;
        return Half(b, 208) * (sbyte)b[192 + i / 16] * ((low | (high << 4)) - 32);
    }

    /// <summary>IQ4_XS: d, u16 high scale bits, 4 bytes low scale nibbles, then 16 index bytes per sub-block of 32.</summary>
    private static double IQ4XS(ReadOnlySpan<byte> b, int i)
    {
        int s = i / 32;
        int high = (BinaryPrimitives.ReadUInt16LittleEndian(b[2..]) >> (2 * s)) & 3;
        int low = (b[4 + s / 2] >> (4 * (s % 2))) & 15;
        return Half(b, 0) * ((low | (high << 4)) - 32) * Grid[Nibble32(b, 8 + 16 * s, i % 32)];
    }
}
