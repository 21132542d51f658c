using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;
using GroveMoE.Cpu.Quantization;

namespace GroveMoE.Cpu.Kernels.Formats;

/// <summary>
/// IQ4_NL (f16 d, 16 bytes of 4-bit indices as Q4_0's nibbles; w = d·grid[index]). Tiled payload of a block: the
/// indices' nibble plane (<see cref="UnitPlanes"/>), looked up at load with one byte shuffle per W into
/// u = grid + 128 (<see cref="NonLinearGrid"/>), so it streams 4.5 bits per weight like Q4_0.
/// </summary>
internal readonly unsafe struct IQ4_NLFormat : IQuantFormat
{
    private const int Payload = UnitPlanes.NibbleBytes;

    public static GgmlType Type => GgmlType.IQ4_NL;
    public static int BlockBytes => 18;
    public static int BlockValues => 32;
    public static int WeightBits => 8;
    public static int Offset => NonLinearGrid.Offset;
    public static bool HasMins => false;
    public static bool SplitScales => false;

    public static long GroupBytes(int blocks) => ScaledGroups.GroupBytes(blocks, Payload);

    public static void PackGroup(byte** rows, int blocks, byte* group)
    {
        ScaledGroups.PackScales(rows, blocks, BlockBytes, group, Payload);
        ScaledGroups.PackPlanes(rows, blocks, BlockBytes, group, Payload, &Unpack, fifthBits: false);
    }

    private static void Unpack(byte* block, byte* u)
    {
        for (int j = 0; j < 16; j++)
        {
            u[j] = (byte)(block[2 + j] & 15);
            u[16 + j] = (byte)(block[2 + j] >> 4);
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Tile512 Load512(byte* group, int blocks, int unit)
    {
        var tile = NonLinearGrid.Lookup512(UnitPlanes.Nibbles512(ScaledGroups.Payload(group, unit, Payload)));
        tile.Scales = HalfVector.Widen512(ScaledGroups.Scales(group, blocks, unit, Payload));
        return tile;
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Tile256 Load256(byte* group, int blocks, int unit, int half)
    {
        var tile = NonLinearGrid.Lookup256(UnitPlanes.Nibbles256(ScaledGroups.Payload(group, unit, Payload), half));
        tile.Scales = HalfVector.Widen256(ScaledGroups.Scales(group, blocks, unit, Payload) + 16 * half);
        return tile;
    }

    public static void LoadScalar(byte* group, int blocks, int unit, int row, byte* u, out float scale, out float highScale, out float min, out float highMin)
    {
        UnitPlanes.UnpackRow(ScaledGroups.Payload(group, unit, Payload), null, null, row, u);
        NonLinearGrid.LookupScalar(u);
        scale = highScale = HalfTable.Read(HalfTable.Values, ScaledGroups.Scales(group, blocks, unit, Payload) + 2 * row);
        min = 0;
        highMin = min;
    }
}

/// <summary>IQ4_NL's and IQ4_XS's 16-value grid as unsigned u = grid + 128, looked up 64 (or 32) indices per byte shuffle.</summary>
internal static unsafe class NonLinearGrid
{
    public const int Offset = 128;

    private static readonly Vector128<byte> Table = Build();

    private static Vector128<byte> Build()
    {
        Span<byte> u = stackalloc byte[16];
        for (int i = 0; i < 16; i++) u[i] = (byte)(IQ4_NL.Grid[i] + Offset);
        return Vector128.Create(u);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Tile512 Lookup512(Tile512 t)
    {
        var table = Vector512.Create(Table);
        t.W0 = Avx512BW.Shuffle(table, t.W0); t.W1 = Avx512BW.Shuffle(table, t.W1);
        t.W2 = Avx512BW.Shuffle(table, t.W2); t.W3 = Avx512BW.Shuffle(table, t.W3);
        t.W4 = Avx512BW.Shuffle(table, t.W4); t.W5 = Avx512BW.Shuffle(table, t.W5);
        t.W6 = Avx512BW.Shuffle(table, t.W6); t.W7 = Avx512BW.Shuffle(table, t.W7);
        return t;
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Tile256 Lookup256(Tile256 t)
    {
        var table = Vector256.Create(Table);
        t.W0 = Avx2.Shuffle(table, t.W0); t.W1 = Avx2.Shuffle(table, t.W1);
        t.W2 = Avx2.Shuffle(table, t.W2); t.W3 = Avx2.Shuffle(table, t.W3);
        t.W4 = Avx2.Shuffle(table, t.W4); t.W5 = Avx2.Shuffle(table, t.W5);
        t.W6 = Avx2.Shuffle(table, t.W6); t.W7 = Avx2.Shuffle(table, t.W7);
        return t;
    }

    public static void LookupScalar(byte* u)
    {
        for (int j = 0; j < 32; j++) u[j] = (byte)(IQ4_NL.Grid[u[j]] + Offset);
    }
}
