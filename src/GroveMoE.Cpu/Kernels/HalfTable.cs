using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

namespace GroveMoE.Cpu.Kernels;

/// <summary>
/// Every f16 bit pattern's float value. .NET converts <see cref="Half"/> in software (about twenty instructions),
/// which dominated the per-block cost of the dot kernels; a table lookup is two. Kernels copy <see cref="Values"/>
/// into a local before their loop: reading the static field inside it made the JIT spill the accumulators.
/// </summary>
internal static unsafe class HalfTable
{
    public static readonly float* Values = Build();

    /// <summary>The f16 stored little-endian at <paramref name="half"/>, through <paramref name="table"/> (= <see cref="Values"/>).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static float Read(float* table, byte* half) => table[*(ushort*)half];

    private static float* Build()
    {
        var table = (float*)NativeMemory.AlignedAlloc(65536 * sizeof(float), 64);
        for (int i = 0; i < 65536; i++) table[i] = (float)BitConverter.UInt16BitsToHalf((ushort)i);
        return table;
    }
}
