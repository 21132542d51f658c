using System.Runtime.CompilerServices;
using GroveMoE.Cpu.Quantization;

namespace GroveMoE.Cpu.Kernels.Formats;

/// <summary>
/// Q4_K (super-blocks of 256: f16 d and dmin, 12 bytes of packed 6-bit scales and mins, 128 bytes of nibbles;
/// w = d·scale_j·q − dmin·min_j for sub-block j of 32). Tiled: per super-block, 8 units of nibbles (256 bytes each,
/// <see cref="UnitPlanes"/>) and the <see cref="AffineScales"/>: 2368 bytes for 16 rows against the file's 2304.
/// </summary>
internal readonly unsafe struct Q4_KFormat : IQuantFormat
{
    private const int UnitBytes = UnitPlanes.NibbleBytes, MetaBytes = AffineScales.Bytes;

    public static GgmlType Type => GgmlType.Q4_K;
    public static int BlockBytes => 144;
    public static int BlockValues => 256;
    public static int WeightBits => 4;
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
                UnitPlanes.PackNibbles(u + 32 * j, 256, SuperBlocks.Payload(group, 8 * b + j, UnitBytes, MetaBytes));
        }
    }

    /// <summary>The 256 quants of a block: sub-block j's value l is nibble j%2 of byte 32·(j/2) + l of the quants.</summary>
    private static void Unpack(byte* block, byte* u)
    {
        for (int v = 0; v < 256; v++)
            u[v] = block == null ? (byte)0 : (byte)((block[16 + 32 * (v / 64) + v % 32] >> (4 * (v / 32 % 2))) & 15);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Tile512 Load512(byte* group, int blocks, int unit)
    {
        var tile = UnitPlanes.Nibbles512(SuperBlocks.Payload(group, unit, UnitBytes, MetaBytes));
        AffineScales.Load512(ref tile, SuperBlocks.Meta(group, unit, UnitBytes, MetaBytes), unit & 7);
        return tile;
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Tile256 Load256(byte* group, int blocks, int unit, int half)
    {
        var tile = UnitPlanes.Nibbles256(SuperBlocks.Payload(group, unit, UnitBytes, MetaBytes), half);
        AffineScales.Load256(ref tile, SuperBlocks.Meta(group, unit, UnitBytes, MetaBytes), unit & 7, half);
        return tile;
    }

    public static void LoadScalar(byte* group, int blocks, int unit, int row, byte* u, out float scale, out float highScale, out float min, out float highMin)
    {
        UnitPlanes.UnpackRow(SuperBlocks.Payload(group, unit, UnitBytes, MetaBytes), null, null, row, u);
        AffineScales.LoadScalar(SuperBlocks.Meta(group, unit, UnitBytes, MetaBytes), unit & 7, row, out scale, out min);
        highScale = scale;
        highMin = min;
    }
}
