using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using GroveMoE.Cpu.Quantization;

namespace GroveMoE.Cpu.Kernels.Formats;

/// <summary>
/// Q6_K (super-blocks of 256: 128 bytes of low nibbles, 64 of high bit pairs, 16 int8 scales, f16 d; w = d·scale·(q − 32)
/// per sub-block of 16, so each unit of 32 has two scales). Tiled: per super-block, 8 units of nibbles and high pairs
/// (384 bytes each, <see cref="UnitPlanes"/>), then the 16 rows' d as f32 (64 bytes; the f16 would save nothing, the
/// super-block is padded to a cache line anyway) and per sub-block s the 16 rows' scales (bytes 64 + 16s): 3392 bytes
/// for 16 rows against the file's 3360.
/// </summary>
internal readonly unsafe struct Q6_KFormat : IQuantFormat
{
    private const int UnitBytes = UnitPlanes.NibbleBytes + UnitPlanes.HighPairBytes, MetaBytes = 64 + 16 * 16;

    public static GgmlType Type => GgmlType.Q6_K;
    public static int BlockBytes => 210;
    public static int BlockValues => 256;
    public static int WeightBits => 6;
    public static int Offset => 32;
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
                ((float*)meta)[r] = block == null ? 0 : HalfTable.Read(halves, block + 208);
                for (int s = 0; s < 16; s++) meta[64 + 16 * s + r] = block == null ? (byte)0 : block[192 + s];
                Unpack(block, u + 256 * r);
            }
            for (int j = 0; j < SuperBlocks.Units; j++)
            {
                byte* payload = SuperBlocks.Payload(group, 8 * b + j, UnitBytes, MetaBytes);
                UnitPlanes.PackNibbles(u + 32 * j, 256, payload);
                UnitPlanes.PackHighPairs(u + 32 * j, 256, payload + UnitPlanes.NibbleBytes);
            }
        }
    }

    /// <summary>
    /// The 256 quants of a block: value v of half n = v/128, run t = v%128/32, l = v%32 has its low nibble in nibble t/2
    /// of byte 64n + 32·(t%2) + l and its top bits at bits 2t of byte 128 + 32n + l. Padding rows get q = 32 (w = 0).
    /// </summary>
    private static void Unpack(byte* block, byte* u)
    {
        for (int v = 0; v < 256; v++)
        {
            int n = v / 128, t = v % 128 / 32, l = v % 32;
            u[v] = block == null ? (byte)32 : (byte)(((block[64 * n + 32 * (t % 2) + l] >> (4 * (t / 2))) & 15)
                | (((block[128 + 32 * n + l] >> (2 * t)) & 3) << 4));
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Tile512 Load512(byte* group, int blocks, int unit)
    {
        byte* payload = SuperBlocks.Payload(group, unit, UnitBytes, MetaBytes);
        byte* meta = SuperBlocks.Meta(group, unit, UnitBytes, MetaBytes);
        var tile = UnitPlanes.Nibbles512(payload);
        UnitPlanes.AddHighPairs512(ref tile, payload + UnitPlanes.NibbleBytes);
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
        var tile = UnitPlanes.Nibbles256(payload, half);
        UnitPlanes.AddHighPairs256(ref tile, payload + UnitPlanes.NibbleBytes, half);
        var d = Vector256.Load((float*)meta + 8 * half);
        int sub = 2 * (unit & 7);
        tile.Scales = d * SuperBlocks.Bytes256(meta + 64 + 16 * sub + 8 * half, signed: true);
        tile.HighScales = d * SuperBlocks.Bytes256(meta + 80 + 16 * sub + 8 * half, signed: true);
        return tile;
    }

    public static void LoadScalar(byte* group, int blocks, int unit, int row, byte* u, out float scale, out float highScale, out float min, out float highMin)
    {
        byte* payload = SuperBlocks.Payload(group, unit, UnitBytes, MetaBytes);
        byte* meta = SuperBlocks.Meta(group, unit, UnitBytes, MetaBytes);
        UnitPlanes.UnpackRow(payload, null, payload + UnitPlanes.NibbleBytes, row, u);
        float d = ((float*)meta)[row];
        int sub = 2 * (unit & 7);
        scale = d * (sbyte)meta[64 + 16 * sub + row];
        highScale = d * (sbyte)meta[80 + 16 * sub + row];
        min = 0;
        highMin = min;
    }
}
