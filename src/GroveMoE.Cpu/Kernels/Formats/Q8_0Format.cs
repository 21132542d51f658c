using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using GroveMoE.Cpu.Quantization;

namespace GroveMoE.Cpu.Kernels.Formats;

/// <summary>
/// Q8_0 (f16 d, 32 int8 weights). Tiled payload of a block, 512 bytes: vector j (j &lt; 8) holds values 4j..4j+3 of
/// row r at 4r..4r+3, stored as u = w + 128 (the sign bit flipped at load), so the kernels read it unpacked.
/// </summary>
internal readonly unsafe struct Q8_0Format : IQuantFormat
{
    private const int Payload = 512;

    public static GgmlType Type => GgmlType.Q8_0;
    public static int BlockBytes => Q8_0.BlockBytes;
    public static int BlockValues => Q8_0.BlockSize;
    public static int WeightBits => 8;
    public static int Offset => 128;
    public static bool HasMins => false;
    public static bool SplitScales => false;

    public static long GroupBytes(int blocks) => ScaledGroups.GroupBytes(blocks, Payload);

    public static void PackGroup(byte** rows, int blocks, byte* group)
    {
        ScaledGroups.PackScales(rows, blocks, BlockBytes, group, Payload);
        for (int b = 0; b < blocks; b++)
        {
            byte* payload = ScaledGroups.Payload(group, b, Payload);
            for (int j = 0; j < 8; j++)
            for (int r = 0; r < TileLayout.GroupRows; r++)
            {
                // Padding rows get u = 128 (w = 0) under a zero scale.
                uint chunk = rows[r] == null ? 0u : Unsafe.ReadUnaligned<uint>(rows[r] + (long)b * BlockBytes + 2 + 4 * j);
                Unsafe.WriteUnaligned(payload + 64 * j + 4 * r, chunk ^ 0x8080_8080u);
            }
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Tile512 Load512(byte* group, int blocks, int unit)
    {
        byte* p = ScaledGroups.Payload(group, unit, Payload);
        return new Tile512
        {
            W0 = Vector512.Load(p), W1 = Vector512.Load(p + 64),
            W2 = Vector512.Load(p + 128), W3 = Vector512.Load(p + 192),
            W4 = Vector512.Load(p + 256), W5 = Vector512.Load(p + 320),
            W6 = Vector512.Load(p + 384), W7 = Vector512.Load(p + 448),
            Scales = HalfVector.Widen512(ScaledGroups.Scales(group, blocks, unit, Payload)),
        };
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Tile256 Load256(byte* group, int blocks, int unit, int half)
    {
        byte* p = ScaledGroups.Payload(group, unit, Payload) + 32 * half;
        return new Tile256
        {
            W0 = Vector256.Load(p), W1 = Vector256.Load(p + 64),
            W2 = Vector256.Load(p + 128), W3 = Vector256.Load(p + 192),
            W4 = Vector256.Load(p + 256), W5 = Vector256.Load(p + 320),
            W6 = Vector256.Load(p + 384), W7 = Vector256.Load(p + 448),
            Scales = HalfVector.Widen256(ScaledGroups.Scales(group, blocks, unit, Payload) + 16 * half),
        };
    }

    public static void LoadScalar(byte* group, int blocks, int unit, int row, byte* u, out float scale, out float highScale, out float min, out float highMin)
    {
        byte* p = ScaledGroups.Payload(group, unit, Payload);
        for (int j = 0; j < 8; j++)
        for (int i = 0; i < 4; i++)
            u[4 * j + i] = p[64 * j + 4 * row + i];
        scale = HalfTable.Read(HalfTable.Values, ScaledGroups.Scales(group, blocks, unit, Payload) + 2 * row);
        highScale = scale;
        min = 0;
        highMin = min;
    }
}
