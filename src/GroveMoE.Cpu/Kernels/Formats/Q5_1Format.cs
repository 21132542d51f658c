using System.Runtime.CompilerServices;
using GroveMoE.Cpu.Quantization;

namespace GroveMoE.Cpu.Kernels.Formats;

/// <summary>
/// Q5_1 (f16 d, f16 m, 32 fifth bits, 16 bytes of nibbles as Q4_0's; w = d·q + m). Tiled payload of a block: nibbles
/// and fifth bits (<see cref="UnitPlanes"/>); the scales and negated mins follow the payloads (<see cref="ScaledGroups"/>).
/// </summary>
internal readonly unsafe struct Q5_1Format : IQuantFormat
{
    private const int Payload = UnitPlanes.NibbleBytes + UnitPlanes.FifthBitBytes;

    public static GgmlType Type => GgmlType.Q5_1;
    public static int BlockBytes => 24;
    public static int BlockValues => 32;
    public static int WeightBits => 5;
    public static int Offset => 0;
    public static bool HasMins => true;
    public static bool SplitScales => false;

    public static long GroupBytes(int blocks) => ScaledGroups.GroupBytes(blocks, Payload, mins: true);

    public static void PackGroup(byte** rows, int blocks, byte* group)
    {
        ScaledGroups.PackScales(rows, blocks, BlockBytes, group, Payload);
        ScaledGroups.PackMins(rows, blocks, BlockBytes, group, Payload);
        ScaledGroups.PackPlanes(rows, blocks, BlockBytes, group, Payload, &Unpack, fifthBits: true);
    }

    private static void Unpack(byte* block, byte* u) => UnitPlanes.UnpackFifthBitBlock(block + 8, *(uint*)(block + 4), u);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Tile512 Load512(byte* group, int blocks, int unit)
    {
        byte* p = ScaledGroups.Payload(group, unit, Payload);
        var tile = UnitPlanes.Nibbles512(p);
        UnitPlanes.AddFifthBits512(ref tile, p + UnitPlanes.NibbleBytes);
        tile.Scales = HalfVector.Widen512(ScaledGroups.Scales(group, blocks, unit, Payload));
        tile.Mins = HalfVector.Widen512(ScaledGroups.Mins(group, blocks, unit, Payload));
        return tile;
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Tile256 Load256(byte* group, int blocks, int unit, int half)
    {
        byte* p = ScaledGroups.Payload(group, unit, Payload);
        var tile = UnitPlanes.Nibbles256(p, half);
        UnitPlanes.AddFifthBits256(ref tile, p + UnitPlanes.NibbleBytes, half);
        tile.Scales = HalfVector.Widen256(ScaledGroups.Scales(group, blocks, unit, Payload) + 16 * half);
        tile.Mins = HalfVector.Widen256(ScaledGroups.Mins(group, blocks, unit, Payload) + 16 * half);
        return tile;
    }

    public static void LoadScalar(byte* group, int blocks, int unit, int row, byte* u, out float scale, out float highScale, out float min, out float highMin)
    {
        byte* p = ScaledGroups.Payload(group, unit, Payload);
        UnitPlanes.UnpackRow(p, p + UnitPlanes.NibbleBytes, null, row, u);
        scale = highScale = HalfTable.Read(HalfTable.Values, ScaledGroups.Scales(group, blocks, unit, Payload) + 2 * row);
        min = HalfTable.Read(HalfTable.Values, ScaledGroups.Mins(group, blocks, unit, Payload) + 2 * row);
        highMin = min;
    }
}
