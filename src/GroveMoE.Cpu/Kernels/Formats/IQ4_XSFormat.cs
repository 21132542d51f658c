using System.Runtime.CompilerServices;
using GroveMoE.Cpu.Quantization;

namespace GroveMoE.Cpu.Kernels.Formats;

/// <summary>
/// IQ4_XS (super-blocks of 256: f16 d, 6-bit sub-block scales ls split over a 16-bit word and 4 bytes, 128 bytes of
/// indices, 16 per sub-block as IQ4_NL's; w = d·(ls − 32)·grid[index]). Tiled: per super-block, 8 units of index
/// nibbles (<see cref="UnitPlanes"/>, looked up through <see cref="NonLinearGrid"/>), then the 16 rows' f16 d and per
/// unit j the rows' ls − 32 as int8 (bytes 32 + 16j), padded to 192 bytes: 2240 bytes for 16 rows against the file's 2176.
/// </summary>
internal readonly unsafe struct IQ4_XSFormat : IQuantFormat
{
    private const int UnitBytes = UnitPlanes.NibbleBytes, MetaBytes = 192;

    public static GgmlType Type => GgmlType.IQ4_XS;
    public static int BlockBytes => 136;
    public static int BlockValues => 256;
    public static int WeightBits => 8;
    public static int Offset => NonLinearGrid.Offset;
    public static bool HasMins => false;
    public static bool SplitScales => false;

    public static long GroupBytes(int blocks) => SuperBlocks.GroupBytes(blocks, UnitBytes, MetaBytes);

    public static void PackGroup(byte** rows, int blocks, byte* group)
    {
        byte* u = stackalloc byte[TileLayout.GroupRows * 256];
        for (int b = 0; b < blocks; b++)
        {
            byte* meta = SuperBlocks.Meta(group, 8 * b, UnitBytes, MetaBytes);
            for (int r = 0; r < TileLayout.GroupRows; r++)
            {
                byte* block = rows[r] == null ? null : rows[r] + (long)b * BlockBytes;
                ((ushort*)meta)[r] = block == null ? (ushort)0 : *(ushort*)block;
                for (int j = 0; j < SuperBlocks.Units; j++)
                {
                    int ls = block == null ? 32 : ((block[4 + j / 2] >> (4 * (j % 2))) & 15) | (((*(ushort*)(block + 2) >> (2 * j)) & 3) << 4);
                    meta[32 + 16 * j + r] = (byte)(sbyte)(ls - 32);
                    for (int l = 0; l < 16; l++)
                    {
                        byte index = block == null ? (byte)0 : block[8 + 16 * j + l];
                        u[256 * r + 32 * j + l] = (byte)(index & 15);
                        u[256 * r + 32 * j + 16 + l] = (byte)(index >> 4);
                    }
                }
            }
            for (int j = 0; j < SuperBlocks.Units; j++)
                UnitPlanes.PackNibbles(u + 32 * j, 256, SuperBlocks.Payload(group, 8 * b + j, UnitBytes, MetaBytes));
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Tile512 Load512(byte* group, int blocks, int unit)
    {
        byte* meta = SuperBlocks.Meta(group, unit, UnitBytes, MetaBytes);
        var tile = NonLinearGrid.Lookup512(UnitPlanes.Nibbles512(SuperBlocks.Payload(group, unit, UnitBytes, MetaBytes)));
        tile.Scales = HalfVector.Widen512(meta) * SuperBlocks.Bytes512(meta + 32 + 16 * (unit & 7), signed: true);
        return tile;
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Tile256 Load256(byte* group, int blocks, int unit, int half)
    {
        byte* meta = SuperBlocks.Meta(group, unit, UnitBytes, MetaBytes);
        var tile = NonLinearGrid.Lookup256(UnitPlanes.Nibbles256(SuperBlocks.Payload(group, unit, UnitBytes, MetaBytes), half));
        tile.Scales = HalfVector.Widen256(meta + 16 * half) * SuperBlocks.Bytes256(meta + 32 + 16 * (unit & 7) + 8 * half, signed: true);
        return tile;
    }

    public static void LoadScalar(byte* group, int blocks, int unit, int row, byte* u, out float scale, out float highScale, out float min, out float highMin)
    {
        byte* meta = SuperBlocks.Meta(group, unit, UnitBytes, MetaBytes);
        UnitPlanes.UnpackRow(SuperBlocks.Payload(group, unit, UnitBytes, MetaBytes), null, null, row, u);
        NonLinearGrid.LookupScalar(u);
        scale = highScale = HalfTable.Read(HalfTable.Values, meta + 2 * row) * (sbyte)meta[32 + 16 * (unit & 7) + row];
        min = 0;
        highMin = min;
    }
}
