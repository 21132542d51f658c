using System.Runtime.CompilerServices;

namespace GroveMoE.Cpu.Kernels.Formats;

/// <summary>
/// The group layout Q4_0 and Q8_0 share (one f16 scale per block of 32): every block's payload of 16 rows, block
/// after block (<c>payloadBytes</c> each, a multiple of 64 so every vector load is cache-line aligned), then every
/// block's 16 f16 scales (32 bytes each), padded to 64 bytes. Scales stay f16: f32 would add a ninth to the bytes a
/// decode step streams, and widening sixteen at once costs four instructions (<see cref="HalfVector"/>).
/// </summary>
internal static unsafe class ScaledGroups
{
    public const int ScaleBytes = 2 * TileLayout.GroupRows;

    public static long GroupBytes(int blocks, int payloadBytes) => Align64((long)blocks * (payloadBytes + ScaleBytes));

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static byte* Payload(byte* group, int block, int payloadBytes) => group + (long)block * payloadBytes;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static byte* Scales(byte* group, int blocks, int block, int payloadBytes) =>
        group + (long)blocks * payloadBytes + block * ScaleBytes;

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
