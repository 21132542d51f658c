using System.Runtime.CompilerServices;

namespace GroveMoE.Cpu.Kernels.Formats;

/// <summary>
/// The group layout of the formats with one f16 scale (and for Q4_1/Q5_1 one f16 min) per block of 32: every block's
/// payload of 16 rows, block after block (<c>payloadBytes</c> each, a multiple of 64 so every vector load is
/// cache-line aligned), then every block's 16 f16 scales (32 bytes each), then as many mins, padded to 64 bytes. Scales stay f16: f32 would add a ninth to the bytes a
/// decode step streams, and widening sixteen at once costs four instructions (<see cref="HalfVector"/>).
/// </summary>
internal static unsafe class ScaledGroups
{
    public const int ScaleBytes = 2 * TileLayout.GroupRows;

    public static long GroupBytes(int blocks, int payloadBytes, bool mins = false) =>
        Align64((long)blocks * (payloadBytes + (mins ? 2 : 1) * ScaleBytes));

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static byte* Payload(byte* group, int block, int payloadBytes) => group + (long)block * payloadBytes;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static byte* Scales(byte* group, int blocks, int block, int payloadBytes) =>
        group + (long)blocks * payloadBytes + block * ScaleBytes;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static byte* Mins(byte* group, int blocks, int block, int payloadBytes) =>
        group + (long)blocks * (payloadBytes + ScaleBytes) + block * ScaleBytes;

    /// <summary>
    /// Copies each row's f16 block min m (bytes 2..3 of a ggml block) with its sign flipped: w = d·u + m, and the
    /// kernels subtract Mins·Σq. Padding rows get 0.
    /// </summary>
    public static void PackMins(byte** rows, int blocks, int blockBytes, byte* group, int payloadBytes)
    {
        for (int b = 0; b < blocks; b++)
        {
            var mins = (ushort*)Mins(group, blocks, b, payloadBytes);
            for (int r = 0; r < TileLayout.GroupRows; r++)
                mins[r] = rows[r] == null ? (ushort)0 : (ushort)(*(ushort*)(rows[r] + (long)b * blockBytes + 2) ^ 0x8000);
        }
    }

    /// <summary>
    /// Packs every block's u's (<paramref name="unpack"/> writes the 32 of a stored block) into the nibble plane and,
    /// for 5-bit formats, the fifth-bit plane after it (<see cref="UnitPlanes"/>). Padding rows get u = 0.
    /// </summary>
    public static void PackPlanes(byte** rows, int blocks, int blockBytes, byte* group, int payloadBytes,
        delegate*<byte*, byte*, void> unpack, bool fifthBits)
    {
        byte* u = stackalloc byte[TileLayout.GroupRows * 32];
        for (int b = 0; b < blocks; b++)
        {
            for (int r = 0; r < TileLayout.GroupRows; r++)
            {
                if (rows[r] == null) new Span<byte>(u + 32 * r, 32).Clear();
                else unpack(rows[r] + (long)b * blockBytes, u + 32 * r);
            }
            byte* payload = Payload(group, b, payloadBytes);
            UnitPlanes.PackNibbles(u, 32, payload);
            if (fifthBits) UnitPlanes.PackFifthBits(u, 32, payload + UnitPlanes.NibbleBytes);
        }
    }

    /// <summary>Copies each row's f16 block scale (the first two bytes of a ggml block); padding rows get 0.</summary>
    public static void PackScales(byte** rows, int blocks, int blockBytes, byte* group, int payloadBytes)
    {
        for (int b = 0; b < blocks; b++)
        {
            var scales = (ushort*)Scales(group, blocks, b, payloadBytes);
            for (int r = 0; r < TileLayout.GroupRows; r++)
                scales[r] = rows[r] == null ? (ushort)0 : *(ushort*)(rows[r] + (long)b * blockBytes);
        }
    }

    private static long Align64(long bytes) => (bytes + 63) & ~63L;
}
