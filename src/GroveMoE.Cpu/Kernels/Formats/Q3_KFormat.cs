using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using GroveMoE.Cpu.Quantization;

namespace GroveMoE.Cpu.Kernels.Formats;

/// <summary>
/// Q3_K (super-blocks of 256: 32 bytes of high bits, 64 of low bit pairs, 12 of packed 6-bit scales, f16 d;
/// w = d·(scale_s − 32)·(u − 4) with u = low + 4·high for sub-block s of 16, so each unit of 32 has two scales).
/// Tiled: per super-block, 8 units of low pairs and third bits (192 bytes each, <see cref="UnitPlanes"/>), then the
/// 16 rows' d as f32 (64 bytes, as Q6_K's) and per sub-block s the rows' scale − 32 as int8 (bytes 64 + 16s): 1856
/// bytes for 16 rows against the file's 1760.
/// </summary>
internal readonly unsafe struct Q3_KFormat : IQuantFormat
{
    private const int UnitBytes = UnitPlanes.LowPairBytes + UnitPlanes.ThirdBitBytes, MetaBytes = 64 + 16 * 16;

    public static GgmlType Type => GgmlType.Q3_K;
    public static int BlockBytes => 110;
    public static int BlockValues => 256;
    public static int WeightBits => 3;
    public static int Offset => 4;
    public static bool HasMins => false;
    public static bool SplitScales => true;

    public static long GroupBytes(int blocks) => SuperBlocks.GroupBytes(blocks, UnitBytes, MetaBytes);

    public static void PackGroup(byte** rows, int blocks, byte* group)
    {
        float* halves = HalfTable.Values;
        byte* u = stackalloc byte[TileLayout.GroupRows * 256];
        for (int b = 0; b < blocks; b++)
        {
            byte* meta = SuperBlocks.Meta(group, 8 * b, UnitBytes, MetaBytes);
            for (int r = 0; r < TileLayout.GroupRows; r++)
            {
                byte* block = rows[r] == null ? null : rows[r] + (long)b * BlockBytes;
                ((float*)meta)[r] = block == null ? 0 : HalfTable.Read(halves, block + 108);
                for (int s = 0; s < 16; s++)
                    meta[64 + 16 * s + r] = block == null ? (byte)0 : (byte)(sbyte)Q3_K.Scale(new ReadOnlySpan<byte>(block + 96, 12), s);
                // Value v of half h = v/128, g = v%128/32, l = v%32: low bits at bits 2g of quant byte 32h + l, high
                // bit at bit 4h + g of byte l. Padding rows get u = 4 (w = 0).
                for (int v = 0; v < 256; v++)
                {
                    int h = v / 128, g = v % 128 / 32, l = v % 32;
                    u[256 * r + v] = block == null ? (byte)4
                        : (byte)(((block[32 + 32 * h + l] >> (2 * g)) & 3) | (((block[l] >> (4 * h + g)) & 1) << 2));
                }
            }
            for (int j = 0; j < SuperBlocks.Units; j++)
            {
                byte* payload = SuperBlocks.Payload(group, 8 * b + j, UnitBytes, MetaBytes);
                UnitPlanes.PackLowPairs(u + 32 * j, 256, payload);
                UnitPlanes.PackThirdBits(u + 32 * j, 256, payload + UnitPlanes.LowPairBytes);
            }
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Tile512 Load512(byte* group, int blocks, int unit)
    {
        byte* payload = SuperBlocks.Payload(group, unit, UnitBytes, MetaBytes);
        byte* meta = SuperBlocks.Meta(group, unit, UnitBytes, MetaBytes);
        var tile = UnitPlanes.LowPairs512(payload);
        UnitPlanes.AddThirdBits512(ref tile, payload + UnitPlanes.LowPairBytes);
        var d = Vector512.Load((float*)meta);
        int sub = 2 * (unit & 7);
        tile.Scales = d * SuperBlocks.Bytes512(meta + 64 + 16 * sub, signed: true);
        tile.HighScales = d * SuperBlocks.Bytes512(meta + 80 + 16 * sub, signed: true);
        return tile;
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Tile256 Load256(byte* group, int blocks, int unit, int half)
    {
        byte* payload = SuperBlocks.Payload(group, unit, UnitBytes, MetaBytes);
        byte* meta = SuperBlocks.Meta(group, unit, UnitBytes, MetaBytes);
        var tile = UnitPlanes.LowPairs256(payload, half);
        UnitPlanes.AddThirdBits256(ref tile, payload + UnitPlanes.LowPairBytes, half);
        var d = Vector256.Load((float*)meta + 8 * half);
        int sub = 2 * (unit & 7);
        tile.Scales = d * SuperBlocks.Bytes256(meta + 64 + 16 * sub + 8 * half, signed: true);
        tile.HighScales = d * SuperBlocks.Bytes256(meta + 80 + 16 * sub + 8 * half, signed: true);
        return tile;
    }

    public static void LoadScalar(byte* group, int blocks, int unit, int row, byte* u, out float scale, out float highScale, out float min,
        out float highMin)
    {
        byte* payload = SuperBlocks.Payload(group, unit, UnitBytes, MetaBytes);
        byte* meta = SuperBlocks.Meta(group, unit, UnitBytes, MetaBytes);
        UnitPlanes.UnpackPairsRow(payload, payload + UnitPlanes.LowPairBytes, row, u);
        float d = ((float*)meta)[row];
        int sub = 2 * (unit & 7);
        scale = d * (sbyte)meta[64 + 16 * sub + row];
        highScale = d * (sbyte)meta[80 + 16 * sub + row];
        min = highMin = 0;
    }
}
