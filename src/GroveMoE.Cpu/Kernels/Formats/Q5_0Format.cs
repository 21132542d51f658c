using System.Runtime.CompilerServices;
using GroveMoE.Cpu.Quantization;

namespace GroveMoE.Cpu.Kernels.Formats;

/// <summary>
/// Q5_0 (f16 d, 32 fifth bits, 16 bytes of nibbles as Q4_0's; w = d·(q − 16)): in GroveMoE files the adjugate down
/// projections, whose 128-wide rows cannot be K-quants. Tiled payload of a block: nibbles and fifth bits (320 bytes,
/// <see cref="UnitPlanes"/>).
/// </summary>
internal readonly unsafe struct Q5_0Format : IQuantFormat
{
    private const int Payload = UnitPlanes.NibbleBytes + UnitPlanes.FifthBitBytes;

    public static GgmlType Type => GgmlType.Q5_0;
    public static int BlockBytes => 22;
    public static int BlockValues => 32;
    public static int WeightBits => 5;
    public static int Offset => 16;
    public static bool HasMins => false;
    public static bool SplitScales => false;

    public static long GroupBytes(int blocks) => ScaledGroups.GroupBytes(blocks, Payload);

    public static void PackGroup(byte** rows, int blocks, byte* group)
    {
        ScaledGroups.PackScales(rows, blocks, BlockBytes, group, Payload);
        ScaledGroups.PackPlanes(rows, blocks, BlockBytes, group, Payload, &Unpack, fifthBits: true);
    }

    private static void Unpack(byte* block, byte* u) => UnitPlanes.UnpackFifthBitBlock(block + 6, *(uint*)(block + 2), u);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Tile512 Load512(byte* group, int blocks, int unit)
    {
        byte* p = ScaledGroups.Payload(group, unit, Payload);
        var tile = UnitPlanes.Nibbles512(p);
        UnitPlanes.AddFifthBits512(ref tile, p + UnitPlanes.NibbleBytes);
        tile.Scales = HalfVector.Widen512(ScaledGroups.Scales(group, blocks, unit, Payload));
        return tile;
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Tile256 Load256(byte* group, int blocks, int unit, int half)
    {
        byte* p = ScaledGroups.Payload(group, unit, Payload);
        var tile = UnitPlanes.Nibbles256(p, half);
        UnitPlanes.AddFifthBits256(ref tile, p + UnitPlanes.NibbleBytes, half);
        tile.Scales = HalfVector.Widen256(ScaledGroups.Scales(group, blocks, unit, Payload) + 16 * half);
        return tile;
    }

    public static void LoadScalar(byte* group, int blocks, int unit, int row, byte* u, out float scale, out float highScale, out float min, out float highMin)
    {
        byte* p = ScaledGroups.Payload(group, unit, Payload);
        UnitPlanes.UnpackRow(p, p + UnitPlanes.NibbleBytes, null, row, u);
        scale = highScale = HalfTable.Read(HalfTable.Values, ScaledGroups.Scales(group, blocks, unit, Payload) + 2 * row);
        min = 0;
        highMin = min;
    }
}
