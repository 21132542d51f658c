using System.Runtime.CompilerServices;
using GroveMoE.Cpu.Quantization;

namespace GroveMoE.Cpu.Kernels.Formats;

/// <summary>
/// Q5_K (Q4_K plus 32 bytes of fifth bits: bit j of byte l is bit 4 of sub-block j's value l). Tiled: per super-block,
/// 8 units of nibbles and fifth bits (320 bytes each, <see cref="UnitPlanes"/>) and the <see cref="AffineScales"/>.
/// </summary>
internal readonly unsafe struct Q5_KFormat : IQuantFormat
{
    private const int UnitBytes = UnitPlanes.NibbleBytes + UnitPlanes.FifthBitBytes, MetaBytes = AffineScales.Bytes;

    public static GgmlType Type => GgmlType.Q5_K;
    public static int BlockBytes => 176;
    public static int BlockValues => 256;
    public static int WeightBits => 5;
    public static int Offset => 0;
    public static bool HasMins => true;
    public static bool SplitScales => false;

    public static long GroupBytes(int blocks) => SuperBlocks.GroupBytes(blocks, UnitBytes, MetaBytes);

    public static void PackGroup(byte** rows, int blocks, byte* group)
    {
        byte* u = stackalloc byte[TileLayout.GroupRows * 256];
        for (int b = 0; b < blocks; b++)
        {
            for (int r = 0; r < TileLayout.GroupRows; r++)
            {
                byte* block = rows[r] == null ? null : rows[r] + (long)b * BlockBytes;
                AffineScales.Pack(block, r, SuperBlocks.Meta(group, 8 * b, UnitBytes, MetaBytes));
                Unpack(block, u + 256 * r);
            }
            for (int j = 0; j < SuperBlocks.Units; j++)
            {
                byte* payload = SuperBlocks.Payload(group, 8 * b + j, UnitBytes, MetaBytes);
                UnitPlanes.PackNibbles(u + 32 * j, 256, payload);
                UnitPlanes.PackFifthBits(u + 32 * j, 256, payload + UnitPlanes.NibbleBytes);
            }
        }
    }

    private static void Unpack(byte* block, byte* u)
    {
        for (int v = 0; v < 256; v++)
        {
            u[v] = block == null ? (byte)0 : (byte)(((block[48 + 32 * (v / 64) + v % 32] >> (4 * (v / 32 % 2))) & 15)
                | (((block[16 + v % 32] >> (v / 32)) & 1) << 4));
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Tile512 Load512(byte* group, int blocks, int unit)
    {
        byte* payload = SuperBlocks.Payload(group, unit, UnitBytes, MetaBytes);
        var tile = UnitPlanes.Nibbles512(payload);
        UnitPlanes.AddFifthBits512(ref tile, payload + UnitPlanes.NibbleBytes);
        AffineScales.Load512(ref tile, SuperBlocks.Meta(group, unit, UnitBytes, MetaBytes), unit & 7);
        return tile;
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Tile256 Load256(byte* group, int blocks, int unit, int half)
    {
        byte* payload = SuperBlocks.Payload(group, unit, UnitBytes, MetaBytes);
        var tile = UnitPlanes.Nibbles256(payload, half);
        UnitPlanes.AddFifthBits256(ref tile, payload + UnitPlanes.NibbleBytes, half);
        AffineScales.Load256(ref tile, SuperBlocks.Meta(group, unit, UnitBytes, MetaBytes), unit & 7, half);
        return tile;
    }

    public static void LoadScalar(byte* group, int blocks, int unit, int row, byte* u, out float scale, out float highScale, out float min, out float highMin)
    {
        byte* payload = SuperBlocks.Payload(group, unit, UnitBytes, MetaBytes);
        UnitPlanes.UnpackRow(payload, payload + UnitPlanes.NibbleBytes, null, row, u);
        AffineScales.LoadScalar(SuperBlocks.Meta(group, unit, UnitBytes, MetaBytes), unit & 7, row, out scale, out min);
        highScale = scale;
        highMin = min;
    }
}
