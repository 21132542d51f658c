using System.Runtime.CompilerServices;
using GroveMoE.Cpu.Quantization;

namespace GroveMoE.Cpu.Kernels.Formats;

/// <summary>
/// Q4_1 (f16 d, f16 m, 16 bytes of nibbles as Q4_0's; w = d·q + m). Tiled payload of a block: its nibbles
/// (<see cref="UnitPlanes"/>); the scales and negated mins follow the payloads (<see cref="ScaledGroups"/>).
/// </summary>
internal readonly unsafe struct Q4_1Format : IQuantFormat
{
    private const int Payload = UnitPlanes.NibbleBytes;

    public static GgmlType Type => GgmlType.Q4_1;
    public static int BlockBytes => 20;
    public static int BlockValues => 32;
    public static int WeightBits => 4;
    public static int Offset => 0;
    public static bool HasMins => true;
    public static bool SplitScales => false;

    public static long GroupBytes(int blocks) => ScaledGroups.GroupBytes(blocks, Payload, mins: true);

    public static void PackGroup(byte** rows, int blocks, byte* group)
    {
        ScaledGroups.PackScales(rows, blocks, BlockBytes, group, Payload);
        ScaledGroups.PackMins(rows, blocks, BlockBytes, group, Payload);
        ScaledGroups.PackPlanes(rows, blocks, BlockBytes, group, Payload, &Unpack, fifthBits: false);
    }

    private static void Unpack(byte* block, byte* u)
    {
        for (int j = 0; j < 16; j++)
        {
            u[j] = (byte)(block[4 + j] & 15);
            u[16 + j] = (byte)(block[4 + j] >> 4);
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Tile512 Load512(byte* group, int blocks, int unit)
    {
        var tile = UnitPlanes.Nibbles512(ScaledGroups.Payload(group, unit, Payload));
        tile.Scales = HalfVector.Widen512(ScaledGroups.Scales(group, blocks, unit, Payload));
        tile.Mins = HalfVector.Widen512(ScaledGroups.Mins(group, blocks, unit, Payload));
        return tile;
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Tile256 Load256(byte* group, int blocks, int unit, int half)
    {
        var tile = UnitPlanes.Nibbles256(ScaledGroups.Payload(group, unit, Payload), half);
        tile.Scales = HalfVector.Widen256(ScaledGroups.Scales(group, blocks, unit, Payload) + 16 * half);
        tile.Mins = HalfVector.Widen256(ScaledGroups.Mins(group, blocks, unit, Payload) + 16 * half);
        return tile;
    }

    public static void LoadScalar(byte* group, int blocks, int unit, int row, byte* u, out float scale, out float highScale, out float min, out float highMin)
    {
        UnitPlanes.UnpackRow(ScaledGroups.Payload(group, unit, Payload), null, null, row, u);
        scale = highScale = HalfTable.Read(HalfTable.Values, ScaledGroups.Scales(group, blocks, unit, Payload) + 2 * row);
        min = HalfTable.Read(HalfTable.Values, ScaledGroups.Mins(group, blocks, unit, Payload) + 2 * row);
        highMin = min;
    }
}
