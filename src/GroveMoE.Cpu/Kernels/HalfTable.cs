using System.Runtime.InteropServices;

namespace GroveMoE.Cpu.Kernels;

/// <summary>
/// Every f16 bit pattern's float value. .NET converts <see cref="Half"/> in software (about twenty instructions),
/// which dominated the per-block cost of the dot kernels; a table lookup is two. The table sits in native memory
/// so the hot loops index it through a constant pointer.
/// </summary>
internal static unsafe class HalfTable
{
    public static readonly float* Values = Build();

    public static float ToSingle(byte* littleEndianHalf) => Values[*(ushort*)littleEndianHalf];

    private static float* Build()
    {
        var table = (float*)NativeMemory.AlignedAlloc(65536 * sizeof(float), 64);
        for (int i = 0; i < 65536; i++) table[i] = (float)BitConverter.UInt16BitsToHalf((ushort)i);
        return table;
    }
}
