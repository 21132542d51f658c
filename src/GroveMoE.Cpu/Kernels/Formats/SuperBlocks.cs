using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;
using GroveMoE.Cpu.Quantization;

namespace GroveMoE.Cpu.Kernels.Formats;

/// <summary>
/// The group layout of the formats with super-blocks of 256 (K-quants, IQ4_XS): per super-block, its 8 units'
/// payloads (<c>unitBytes</c> each, see <see cref="UnitPlanes"/>) and then its scales as the kernels read them
/// (<c>metaBytes</c>), so a super-block of 16 rows is one stream and every part starts on a cache line. The file's
/// packed 6-bit scales are unpacked here once, at load, into a byte per unit and row.
/// </summary>
internal static unsafe class SuperBlocks
{
    public const int Units = 8;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static byte* Payload(byte* group, int unit, int unitBytes, int metaBytes) =>
        group + (long)(unit >> 3) * (Units * unitBytes + metaBytes) + (unit & 7) * unitBytes;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static byte* Meta(byte* group, int unit, int unitBytes, int metaBytes) =>
        group + (long)(unit >> 3) * (Units * unitBytes + metaBytes) + Units * unitBytes;

    public static long GroupBytes(int blocks, int unitBytes, int metaBytes) => (long)blocks * (Units * unitBytes + metaBytes);

    /// <summary>16 (or 8) bytes widened to floats: unsigned, or sign-extended for signed scales.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector512<float> Bytes512(byte* p, bool signed) => Vector512.ConvertToSingle(signed
        ? Avx512F.ConvertToVector512Int32(Vector128.Load((sbyte*)p))
        : Avx512F.ConvertToVector512Int32(Vector128.Load(p)).AsInt32());

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<float> Bytes256(byte* p, bool signed) => Vector256.ConvertToSingle(signed
        ? Avx2.ConvertToVector256Int32((sbyte*)p)
        : Avx2.ConvertToVector256Int32(p));
}

/// <summary>
/// The scales of Q4_K and Q5_K super-blocks, 320 bytes: the 16 rows' f16 d, their f16 dmin, then per unit j the
/// 16 rows' 6-bit scales (bytes 64 + 16j) and mins (bytes 192 + 16j). A unit's scale is d·scale and its min
/// dmin·min, both exact in float.
/// </summary>
internal static unsafe class AffineScales
{
    public const int Bytes = 320;

    /// <summary>Row <paramref name="row"/>'s entries from its ggml block (d, dmin, 12 packed bytes); zeros for a padding row.</summary>
    public static void Pack(byte* block, int row, byte* meta)
    {
        ((ushort*)meta)[row] = block == null ? (ushort)0 : *(ushort*)block;
        ((ushort*)(meta + 32))[row] = block == null ? (ushort)0 : *(ushort*)(block + 2);
        for (int j = 0; j < SuperBlocks.Units; j++)
        {
            var (scale, min) = block == null ? (0, 0) : PackedScales.Get(new ReadOnlySpan<byte>(block + 4, 12), j);
            meta[64 + 16 * j + row] = (byte)scale;
            meta[192 + 16 * j + row] = (byte)min;
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void Load512(ref Tile512 t, byte* meta, int j)
    {
        t.Scales = HalfVector.Widen512(meta) * SuperBlocks.Bytes512(meta + 64 + 16 * j, signed: false);
        t.Mins = HalfVector.Widen512(meta + 32) * SuperBlocks.Bytes512(meta + 192 + 16 * j, signed: false);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void Load256(ref Tile256 t, byte* meta, int j, int half)
    {
        t.Scales = HalfVector.Widen256(meta + 16 * half) * SuperBlocks.Bytes256(meta + 64 + 16 * j + 8 * half, signed: false);
        t.Mins = HalfVector.Widen256(meta + 32 + 16 * half) * SuperBlocks.Bytes256(meta + 192 + 16 * j + 8 * half, signed: false);
    }

    public static void LoadScalar(byte* meta, int j, int row, out float scale, out float min)
    {
        scale = HalfTable.Read(HalfTable.Values, meta + 2 * row) * meta[64 + 16 * j + row];
        min = HalfTable.Read(HalfTable.Values, meta + 32 + 2 * row) * meta[192 + 16 * j + row];
    }
}
