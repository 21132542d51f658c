using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using GroveMoE.Cpu.Quantization;

namespace GroveMoE.Cpu.Kernels.Formats;

/// <summary>
/// Q4_0 (f16 d, 16 bytes: byte m holds value m in its low nibble and value m+16 in its high one, w = nibble - 8).
/// Tiled payload of a block, 256 bytes: vector k (k &lt; 4) holds stored bytes 4k..4k+3 of row r at 4r..4r+3, so its
/// low nibbles are values 4k..4k+3 and its high nibbles values 16+4k..: one AND, or one shift and one AND, unpacks
/// each W. The nibbles stay unsigned (u = w + 8) for the unsigned×signed byte dot.
/// </summary>
internal readonly unsafe struct Q4_0Format : IQuantFormat
{
    private const int Payload = 256;

    public static GgmlType Type => GgmlType.Q4_0;
    public static int BlockBytes => Q4_0.BlockBytes;
    public static int BlockValues => Q4_0.BlockSize;
    public static bool NarrowWeights => true;
    public static int Offset => 8;
    public static bool HasMins => false;

    public static long GroupBytes(int blocks) => ScaledGroups.GroupBytes(blocks, Payload);

    public static void PackGroup(byte** rows, int blocks, byte* group)
    {
        ScaledGroups.PackScales(rows, blocks, BlockBytes, group, Payload);
        for (int b = 0; b < blocks; b++)
        {
            byte* payload = ScaledGroups.Payload(group, b, Payload);
            for (int k = 0; k < 4; k++)
            for (int r = 0; r < TileLayout.GroupRows; r++)
            {
                uint chunk = rows[r] == null ? 0u : Unsafe.ReadUnaligned<uint>(rows[r] + (long)b * BlockBytes + 2 + 4 * k);
                Unsafe.WriteUnaligned(payload + 64 * k + 4 * r, chunk);
            }
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Tile512 Load512(byte* group, int blocks, int unit)
    {
        byte* p = ScaledGroups.Payload(group, unit, Payload);
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
            Scales = HalfVector.Widen512(ScaledGroups.Scales(group, blocks, unit, Payload)),
        };
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Tile256 Load256(byte* group, int blocks, int unit, int half)
    {
        byte* p = ScaledGroups.Payload(group, unit, Payload) + 32 * half;
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
            Scales = HalfVector.Widen256(ScaledGroups.Scales(group, blocks, unit, Payload) + 16 * half),
        };
    }

    public static void LoadScalar(byte* group, int blocks, int unit, int row, byte* u, out float scale, out float min)
    {
        byte* p = ScaledGroups.Payload(group, unit, Payload);
        for (int k = 0; k < 4; k++)
        for (int i = 0; i < 4; i++)
        {
            byte packed = p[64 * k + 4 * row + i];
            u[4 * k + i] = (byte)(packed & 0x0F);
            u[16 + 4 * k + i] = (byte)(packed >> 4);
        }
        scale = HalfTable.Read(HalfTable.Values, ScaledGroups.Scales(group, blocks, unit, Payload) + 2 * row);
        min = 0;
    }
}
