using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;
using GroveMoE.Cpu.Quantization;

namespace GroveMoE.Cpu.Kernels.Formats;

/// <summary>
/// Q2_K (super-blocks of 256: 16 bytes of 4-bit scales (low nibble) and mins (high nibble), 64 bytes of 2-bit
/// quants, f16 d and dmin; w = d·scale_s·q − dmin·min_s for sub-block s of 16, so each unit of 32 has two scales and
/// two mins). Tiled: per super-block, 8 units of low pairs (128 bytes each, <see cref="UnitPlanes"/>), then the 16
/// rows' f16 d, their f16 dmin and per sub-block s the rows' scale/min bytes as the file packs them (bytes
/// 64 + 16s): 1344 bytes for 16 rows, the file's size.
/// </summary>
internal readonly unsafe struct Q2_KFormat : IQuantFormat
{
    private const int UnitBytes = UnitPlanes.LowPairBytes, MetaBytes = 64 + 16 * 16;

    public static GgmlType Type => GgmlType.Q2_K;
    public static int BlockBytes => 84;
    public static int BlockValues => 256;
    public static int WeightBits => 2;
    public static int Offset => 0;
    public static bool HasMins => true;
    public static bool SplitScales => true;

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
                ((ushort*)meta)[r] = block == null ? (ushort)0 : *(ushort*)(block + 80);
                ((ushort*)(meta + 32))[r] = block == null ? (ushort)0 : *(ushort*)(block + 82);
                for (int s = 0; s < 16; s++) meta[64 + 16 * s + r] = block == null ? (byte)0 : block[s];
                // Value v of half h = v/128, g = v%128/32, l = v%32 sits at bits 2g of quant byte 32h + l.
                for (int v = 0; v < 256; v++)
                    u[256 * r + v] = block == null ? (byte)0 : (byte)((block[16 + 32 * (v / 128) + v % 32] >> (2 * (v % 128 / 32))) & 3);
            }
            for (int j = 0; j < SuperBlocks.Units; j++)
                UnitPlanes.PackLowPairs(u + 32 * j, 256, SuperBlocks.Payload(group, 8 * b + j, UnitBytes, MetaBytes));
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Tile512 Load512(byte* group, int blocks, int unit)
    {
        byte* meta = SuperBlocks.Meta(group, unit, UnitBytes, MetaBytes);
        var tile = UnitPlanes.LowPairs512(SuperBlocks.Payload(group, unit, UnitBytes, MetaBytes));
        var d = HalfVector.Widen512(meta);
        var dmin = HalfVector.Widen512(meta + 32);
        var low = Avx512F.ConvertToVector512Int32(Vector128.Load(meta + 64 + 32 * (unit & 7)));
        var high = Avx512F.ConvertToVector512Int32(Vector128.Load(meta + 80 + 32 * (unit & 7)));
        var nibble = Vector512.Create(15);
        tile.Scales = d * Vector512.ConvertToSingle(low & nibble);
        tile.HighScales = d * Vector512.ConvertToSingle(high & nibble);
        tile.Mins = dmin * Vector512.ConvertToSingle(Vector512.ShiftRightLogical(low, 4));
        tile.HighMins = dmin * Vector512.ConvertToSingle(Vector512.ShiftRightLogical(high, 4));
        return tile;
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Tile256 Load256(byte* group, int blocks, int unit, int half)
    {
        byte* meta = SuperBlocks.Meta(group, unit, UnitBytes, MetaBytes);
        var tile = UnitPlanes.LowPairs256(SuperBlocks.Payload(group, unit, UnitBytes, MetaBytes), half);
        var d = HalfVector.Widen256(meta + 16 * half);
        var dmin = HalfVector.Widen256(meta + 32 + 16 * half);
        var low = Avx2.ConvertToVector256Int32(meta + 64 + 32 * (unit & 7) + 8 * half);
        var high = Avx2.ConvertToVector256Int32(meta + 80 + 32 * (unit & 7) + 8 * half);
        var nibble = Vector256.Create(15);
        tile.Scales = d * Vector256.ConvertToSingle(low & nibble);
        tile.HighScales = d * Vector256.ConvertToSingle(high & nibble);
        tile.Mins = dmin * Vector256.ConvertToSingle(Vector256.ShiftRightLogical(low, 4));
        tile.HighMins = dmin * Vector256.ConvertToSingle(Vector256.ShiftRightLogical(high, 4));
        return tile;
    }

    public static void LoadScalar(byte* group, int blocks, int unit, int row, byte* u, out float scale, out float highScale, out float min,
        out float highMin)
    {
        byte* meta = SuperBlocks.Meta(group, unit, UnitBytes, MetaBytes);
        UnitPlanes.UnpackPairsRow(SuperBlocks.Payload(group, unit, UnitBytes, MetaBytes), null, row, u);
        float d = HalfTable.Read(HalfTable.Values, meta + 2 * row), dmin = HalfTable.Read(HalfTable.Values, meta + 32 + 2 * row);
        byte low = meta[64 + 32 * (unit & 7) + row], high = meta[80 + 32 * (unit & 7) + row];
        scale = d * (low & 15);
        highScale = d * (high & 15);
        min = dmin * (low >> 4);
        highMin = dmin * (high >> 4);
    }
}
