using System.Buffers.Binary;
using System.Runtime.CompilerServices;

namespace GroveMoE.Cpu.Quantization;

/// <summary>Checks shared by every block codec, and the f16 fields every block starts or ends with.</summary>
internal static class BlockRow
{
    /// <summary>Blocks in a row of <paramref name="values"/> values, checking that they fill whole blocks and fit in <paramref name="bytes"/>.</summary>
    public static int Count(GgmlType type, int values, int bytes)
    {
        int size = GgmlTypeInfo.BlockSize(type);
        if (values % size != 0) throw new ArgumentException($"{type} rows hold multiples of {size} values, got {values}", nameof(values));
        int blocks = values / size;
        if (bytes < (long)blocks * GgmlTypeInfo.BlockBytes(type)) throw new ArgumentException($"{type} buffer too small", nameof(bytes));
        return blocks;
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static float Half(ReadOnlySpan<byte> block, int at) => (float)BinaryPrimitives.ReadHalfLittleEndian(block[at..]);

    /// <summary>Stores <paramref name="value"/> as f16 (round to nearest even, as ggml) and returns the value stored.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static float WriteHalf(Span<byte> block, int at, float value)
    {
        var half = (Half)value;
        BinaryPrimitives.WriteHalfLittleEndian(block[at..], half);
        return (float)half;
    }
}
