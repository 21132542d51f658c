using System.Runtime.CompilerServices;

namespace GroveMoE.Cpu.Quantization;

/// <summary>
/// The 12 bytes of 6-bit scales and mins that Q4_K and Q5_K keep for their 8 sub-blocks: sub-blocks 0–3 in the low
/// 6 bits of bytes 0–3 (scale) and 4–7 (min); sub-blocks 4–7 in the nibbles of bytes 8–11 (scale low, min high)
/// with their top two bits in the free top bits of bytes 0–3 (scale) and 4–7 (min).
/// </summary>
internal static class PackedScales
{
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static (int Scale, int Min) Get(ReadOnlySpan<byte> packed, int j)
    {
        if (j < 4) return (packed[j] & 63, packed[j + 4] & 63);
        return ((packed[j + 4] & 0x0F) | ((packed[j - 4] >> 6) << 4), (packed[j + 4] >> 4) | ((packed[j] >> 6) << 4));
    }

    /// <summary>Stores sub-block <paramref name="j"/>'s scale and min; sub-blocks must be stored in order 0..7 into zeroed bytes.</summary>
    public static void Set(Span<byte> packed, int j, int scale, int min)
    {
        if (j < 4)
        {
            packed[j] = (byte)scale;
            packed[j + 4] = (byte)min;
        }
        else
        {
            packed[j + 4] = (byte)((scale & 0x0F) | ((min & 0x0F) << 4));
            packed[j - 4] |= (byte)((scale >> 4) << 6);
            packed[j] |= (byte)((min >> 4) << 6);
        }
    }
}
