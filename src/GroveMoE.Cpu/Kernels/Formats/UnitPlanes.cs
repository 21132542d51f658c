using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;

namespace GroveMoE.Cpu.Kernels.Formats;

/// <summary>
/// The bit planes a unit (32 values of 16 rows) of a 2- to 6-bit format is packed into, shared by the formats:
/// <list type="bullet">
/// <item>nibbles, 256 bytes: vector k (k &lt; 4) holds at bytes 4r..4r+3 values 4k..4k+3 of row r in the low nibbles
/// and values 16+4k.. in the high ones (Q4_0's own byte order), so one AND, or one shift and one AND, gives W{k} and W{4+k};</item>
/// <item>fifth bits, 64 bytes: bit k of byte 4r+i is bit 4 of value 4k+i of row r;</item>
/// <item>high pairs, 128 bytes: bits 2t, 2t+1 of byte 64m+4r+i are bits 4, 5 of value 4(4m+t)+i of row r;</item>
/// <item>low pairs and third bits, the same planes for bits 0, 1 and bit 2 of 2- and 3-bit formats (Q2_K, Q3_K).</item>
/// </list>
/// The packers take the unit's unpacked values u[r·stride + v] (v &lt; 32) of the 16 rows.
/// </summary>
internal static unsafe class UnitPlanes
{
    public const int NibbleBytes = 256, FifthBitBytes = 64, HighPairBytes = 128, LowPairBytes = 128, ThirdBitBytes = 64;
    private const int Rows = TileLayout.GroupRows;

    public static void PackNibbles(byte* u, int stride, byte* destination)
    {
        for (int k = 0; k < 4; k++)
        for (int r = 0; r < Rows; r++)
        for (int i = 0; i < 4; i++)
        {
            byte* v = u + r * stride + 4 * k + i;
            destination[64 * k + 4 * r + i] = (byte)((v[0] & 15) | ((v[16] & 15) << 4));
        }
    }

    /// <summary>
    /// A Q5_0/Q5_1 block's 32 five-bit values: 16 bytes of nibbles as Q4_0's (low nibbles first) and bit j of
    /// <paramref name="high"/> as bit 4 of value j.
    /// </summary>
    public static void UnpackFifthBitBlock(byte* nibbles, uint high, byte* u)
    {
        for (int j = 0; j < 16; j++)
        {
            u[j] = (byte)((nibbles[j] & 15u) | (((high >> j) & 1) << 4));
            u[16 + j] = (byte)((uint)(nibbles[j] >> 4) | (((high >> (16 + j)) & 1) << 4));
        }
    }

    public static void PackFifthBits(byte* u, int stride, byte* destination) => PackBits(u, stride, destination, 4);

    public static void PackThirdBits(byte* u, int stride, byte* destination) => PackBits(u, stride, destination, 2);

    private static void PackBits(byte* u, int stride, byte* destination, int bit)
    {
        for (int r = 0; r < Rows; r++)
        for (int i = 0; i < 4; i++)
        {
            int bits = 0;
            for (int k = 0; k < 8; k++) bits |= ((u[r * stride + 4 * k + i] >> bit) & 1) << k;
            destination[4 * r + i] = (byte)bits;
        }
    }

    public static void PackHighPairs(byte* u, int stride, byte* destination) => PackPairs(u, stride, destination, 4);

    public static void PackLowPairs(byte* u, int stride, byte* destination) => PackPairs(u, stride, destination, 0);

    private static void PackPairs(byte* u, int stride, byte* destination, int shift)
    {
        for (int m = 0; m < 2; m++)
        for (int r = 0; r < Rows; r++)
        for (int i = 0; i < 4; i++)
        {
            int bits = 0;
            for (int t = 0; t < 4; t++) bits |= ((u[r * stride + 4 * (4 * m + t) + i] >> shift) & 3) << (2 * t);
            destination[64 * m + 4 * r + i] = (byte)bits;
        }
    }

    /// <summary>The unit's values of one row from its planes (fifth bits and high pairs when given): the scalar reference.</summary>
    public static void UnpackRow(byte* nibbles, byte* fifthBits, byte* highPairs, int row, byte* u)
    {
        for (int k = 0; k < 4; k++)
        for (int i = 0; i < 4; i++)
        {
            byte packed = nibbles[64 * k + 4 * row + i];
            u[4 * k + i] = (byte)(packed & 15);
            u[16 + 4 * k + i] = (byte)(packed >> 4);
        }
        for (int k = 0; k < 8; k++)
        for (int i = 0; i < 4; i++)
        {
            if (fifthBits != null) u[4 * k + i] |= (byte)(((fifthBits[4 * row + i] >> k) & 1) << 4);
            if (highPairs != null) u[4 * k + i] |= (byte)(((highPairs[64 * (k / 4) + 4 * row + i] >> (2 * (k % 4))) & 3) << 4);
        }
    }

    /// <summary>The unit's values of one row of a 2- or 3-bit format from its low pairs (and third bits when given).</summary>
    public static void UnpackPairsRow(byte* lowPairs, byte* thirdBits, int row, byte* u)
    {
        for (int k = 0; k < 8; k++)
        for (int i = 0; i < 4; i++)
        {
            int value = (lowPairs[64 * (k / 4) + 4 * row + i] >> (2 * (k % 4))) & 3;
            if (thirdBits != null) value |= ((thirdBits[4 * row + i] >> k) & 1) << 2;
            u[4 * k + i] = (byte)value;
        }
    }

    // ---- 512 bits: all 16 rows ----

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Tile512 Nibbles512(byte* p)
    {
        var low = Vector512.Create((byte)0x0F);
        var v0 = Vector512.Load(p);
        var v1 = Vector512.Load(p + 64);
        var v2 = Vector512.Load(p + 128);
        var v3 = Vector512.Load(p + 192);
        return new Tile512
        {
            W0 = v0 & low, W1 = v1 & low, W2 = v2 & low, W3 = v3 & low,
            W4 = Vector512.ShiftRightLogical(v0.AsUInt16(), 4).AsByte() & low,
            W5 = Vector512.ShiftRightLogical(v1.AsUInt16(), 4).AsByte() & low,
            W6 = Vector512.ShiftRightLogical(v2.AsUInt16(), 4).AsByte() & low,
            W7 = Vector512.ShiftRightLogical(v3.AsUInt16(), 4).AsByte() & low,
        };
    }

    /// <summary>ORs bit k of each byte into bit 4 of W{k}; the 16-bit shifts' spill across bytes falls outside the mask.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void AddFifthBits512(ref Tile512 t, byte* p)
    {
        var h = Vector512.Load(p).AsUInt16();
        var bit = Vector512.Create((byte)0x10);
        t.W0 |= Vector512.ShiftLeft(h, 4).AsByte() & bit;
        t.W1 |= Vector512.ShiftLeft(h, 3).AsByte() & bit;
        t.W2 |= Vector512.ShiftLeft(h, 2).AsByte() & bit;
        t.W3 |= Vector512.ShiftLeft(h, 1).AsByte() & bit;
        t.W4 |= h.AsByte() & bit;
        t.W5 |= Vector512.ShiftRightLogical(h, 1).AsByte() & bit;
        t.W6 |= Vector512.ShiftRightLogical(h, 2).AsByte() & bit;
        t.W7 |= Vector512.ShiftRightLogical(h, 3).AsByte() & bit;
    }

    /// <summary>ORs bits 2t, 2t+1 of plane m into bits 4, 5 of W{4m+t}.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void AddHighPairs512(ref Tile512 t, byte* p)
    {
        var h0 = Vector512.Load(p).AsUInt16();
        var h1 = Vector512.Load(p + 64).AsUInt16();
        var pair = Vector512.Create((byte)0x30);
        t.W0 |= Vector512.ShiftLeft(h0, 4).AsByte() & pair;
        t.W1 |= Vector512.ShiftLeft(h0, 2).AsByte() & pair;
        t.W2 |= h0.AsByte() & pair;
        t.W3 |= Vector512.ShiftRightLogical(h0, 2).AsByte() & pair;
        t.W4 |= Vector512.ShiftLeft(h1, 4).AsByte() & pair;
        t.W5 |= Vector512.ShiftLeft(h1, 2).AsByte() & pair;
        t.W6 |= h1.AsByte() & pair;
        t.W7 |= Vector512.ShiftRightLogical(h1, 2).AsByte() & pair;
    }

    /// <summary>W{4m+t} = bits 2t, 2t+1 of plane m; the 16-bit shifts' spill across bytes falls outside the mask.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Tile512 LowPairs512(byte* p)
    {
        var h0 = Vector512.Load(p).AsUInt16();
        var h1 = Vector512.Load(p + 64).AsUInt16();
        var pair = Vector512.Create((byte)3);
        return new Tile512
        {
            W0 = h0.AsByte() & pair,
            W1 = Vector512.ShiftRightLogical(h0, 2).AsByte() & pair,
            W2 = Vector512.ShiftRightLogical(h0, 4).AsByte() & pair,
            W3 = Vector512.ShiftRightLogical(h0, 6).AsByte() & pair,
            W4 = h1.AsByte() & pair,
            W5 = Vector512.ShiftRightLogical(h1, 2).AsByte() & pair,
            W6 = Vector512.ShiftRightLogical(h1, 4).AsByte() & pair,
            W7 = Vector512.ShiftRightLogical(h1, 6).AsByte() & pair,
        };
    }

    /// <summary>ORs bit k of each byte into bit 2 of W{k}.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void AddThirdBits512(ref Tile512 t, byte* p)
    {
        var h = Vector512.Load(p).AsUInt16();
        var bit = Vector512.Create((byte)4);
        t.W0 |= Vector512.ShiftLeft(h, 2).AsByte() & bit;
        t.W1 |= Vector512.ShiftLeft(h, 1).AsByte() & bit;
        t.W2 |= h.AsByte() & bit;
        t.W3 |= Vector512.ShiftRightLogical(h, 1).AsByte() & bit;
        t.W4 |= Vector512.ShiftRightLogical(h, 2).AsByte() & bit;
        t.W5 |= Vector512.ShiftRightLogical(h, 3).AsByte() & bit;
        t.W6 |= Vector512.ShiftRightLogical(h, 4).AsByte() & bit;
        t.W7 |= Vector512.ShiftRightLogical(h, 5).AsByte() & bit;
    }

    // ---- 256 bits: rows 8·half..8·half+7 ----

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Tile256 Nibbles256(byte* p, int half)
    {
        p += 32 * half;
        var low = Vector256.Create((byte)0x0F);
        var v0 = Vector256.Load(p);
        var v1 = Vector256.Load(p + 64);
        var v2 = Vector256.Load(p + 128);
        var v3 = Vector256.Load(p + 192);
        return new Tile256
        {
            W0 = v0 & low, W1 = v1 & low, W2 = v2 & low, W3 = v3 & low,
            W4 = Vector256.ShiftRightLogical(v0.AsUInt16(), 4).AsByte() & low,
            W5 = Vector256.ShiftRightLogical(v1.AsUInt16(), 4).AsByte() & low,
            W6 = Vector256.ShiftRightLogical(v2.AsUInt16(), 4).AsByte() & low,
            W7 = Vector256.ShiftRightLogical(v3.AsUInt16(), 4).AsByte() & low,
        };
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void AddFifthBits256(ref Tile256 t, byte* p, int half)
    {
        var h = Vector256.Load(p + 32 * half).AsUInt16();
        var bit = Vector256.Create((byte)0x10);
        t.W0 |= Vector256.ShiftLeft(h, 4).AsByte() & bit;
        t.W1 |= Vector256.ShiftLeft(h, 3).AsByte() & bit;
        t.W2 |= Vector256.ShiftLeft(h, 2).AsByte() & bit;
        t.W3 |= Vector256.ShiftLeft(h, 1).AsByte() & bit;
        t.W4 |= h.AsByte() & bit;
        t.W5 |= Vector256.ShiftRightLogical(h, 1).AsByte() & bit;
        t.W6 |= Vector256.ShiftRightLogical(h, 2).AsByte() & bit;
        t.W7 |= Vector256.ShiftRightLogical(h, 3).AsByte() & bit;
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void AddHighPairs256(ref Tile256 t, byte* p, int half)
    {
        var h0 = Vector256.Load(p + 32 * half).AsUInt16();
        var h1 = Vector256.Load(p + 64 + 32 * half).AsUInt16();
        var pair = Vector256.Create((byte)0x30);
        t.W0 |= Vector256.ShiftLeft(h0, 4).AsByte() & pair;
        t.W1 |= Vector256.ShiftLeft(h0, 2).AsByte() & pair;
        t.W2 |= h0.AsByte() & pair;
        t.W3 |= Vector256.ShiftRightLogical(h0, 2).AsByte() & pair;
        t.W4 |= Vector256.ShiftLeft(h1, 4).AsByte() & pair;
        t.W5 |= Vector256.ShiftLeft(h1, 2).AsByte() & pair;
        t.W6 |= h1.AsByte() & pair;
        t.W7 |= Vector256.ShiftRightLogical(h1, 2).AsByte() & pair;
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Tile256 LowPairs256(byte* p, int half)
    {
        var h0 = Vector256.Load(p + 32 * half).AsUInt16();
        var h1 = Vector256.Load(p + 64 + 32 * half).AsUInt16();
        var pair = Vector256.Create((byte)3);
        return new Tile256
        {
            W0 = h0.AsByte() & pair,
            W1 = Vector256.ShiftRightLogical(h0, 2).AsByte() & pair,
            W2 = Vector256.ShiftRightLogical(h0, 4).AsByte() & pair,
            W3 = Vector256.ShiftRightLogical(h0, 6).AsByte() & pair,
            W4 = h1.AsByte() & pair,
            W5 = Vector256.ShiftRightLogical(h1, 2).AsByte() & pair,
            W6 = Vector256.ShiftRightLogical(h1, 4).AsByte() & pair,
            W7 = Vector256.ShiftRightLogical(h1, 6).AsByte() & pair,
        };
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void AddThirdBits256(ref Tile256 t, byte* p, int half)
    {
        var h = Vector256.Load(p + 32 * half).AsUInt16();
        var bit = Vector256.Create((byte)4);
        t.W0 |= Vector256.ShiftLeft(h, 2).AsByte() & bit;
        t.W1 |= Vector256.ShiftLeft(h, 1).AsByte() & bit;
        t.W2 |= h.AsByte() & bit;
        t.W3 |= Vector256.ShiftRightLogical(h, 1).AsByte() & bit;
        t.W4 |= Vector256.ShiftRightLogical(h, 2).AsByte() & bit;
        t.W5 |= Vector256.ShiftRightLogical(h, 3).AsByte() & bit;
        t.W6 |= Vector256.ShiftRightLogical(h, 4).AsByte() & bit;
        t.W7 |= Vector256.ShiftRightLogical(h, 5).AsByte() & bit;
    }
}
