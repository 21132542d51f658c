using System.Runtime.CompilerServices;
using GroveMoE.Cpu.Quantization;

namespace GroveMoE.Cpu.Kernels.Formats;

/// <summary>
/// Q4_0 (f16 d, 16 bytes: byte m holds value m in its low nibble and value m+16 in its high one, w = nibble - 8).
/// Tiled payload of a block: its nibble plane (<see cref="UnitPlanes"/>), which is the stored bytes 4k..4k+3 of row r
/// at 64k + 4r, so packing is a copy. The nibbles stay unsigned (u = w + 8) for the unsigned×signed byte dot.
/// </summary>
internal readonly unsafe struct Q4_0Format : IQuantFormat
{
    private const int Payload = UnitPlanes.NibbleBytes;

    public static GgmlType Type => GgmlType.Q4_0;
    public static int BlockBytes => Q4_0.BlockBytes;
    public static int BlockValues => Q4_0.BlockSize;
    public static int WeightBits => 4;
    public static int Offset => 8;
    public static bool HasMins => false;
    public static bool SplitScales => false;

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
        var tile = UnitPlanes.Nibbles512(ScaledGroups.Payload(group, unit, Payload));
        tile.Scales = HalfVector.Widen512(ScaledGroups.Scales(group, blocks, unit, Payload));
        return tile;
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Tile256 Load256(byte* group, int blocks, int unit, int half)
    {
        var tile = UnitPlanes.Nibbles256(ScaledGroups.Payload(group, unit, Payload), half);
        tile.Scales = HalfVector.Widen256(ScaledGroups.Scales(group, blocks, unit, Payload) + 16 * half);
        return tile;
    }

    public static void LoadScalar(byte* group, int blocks, int unit, int row, byte* u, out float scale, out float highScale, out float min, out float highMin)
    {
        UnitPlanes.UnpackRow(ScaledGroups.Payload(group, unit, Payload), null, null, row, u);
        scale = HalfTable.Read(HalfTable.Values, ScaledGroups.Scales(group, blocks, unit, Payload) + 2 * row);
        highScale = scale;
        min = 0;
        highMin = min;
    }
}
