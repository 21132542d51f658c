using System.Numerics.Tensors;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;
using GroveMoE.Cpu.Quantization;

namespace GroveMoE.Cpu.Kernels;

/// <summary>
/// Weight rows as floats for <see cref="TensorPrimitives.Dot(ReadOnlySpan{float}, ReadOnlySpan{float})"/>.
/// F32 rows are used in place; 16-bit and block-quantized rows are decoded once into scratch and then dotted with every input row.
/// </summary>
internal static class FloatWeightRow
{
    /// <returns>The row's values: the mapped bytes themselves for F32, else <paramref name="scratch"/>.</returns>
    public static ReadOnlySpan<float> AsFloats(GgmlType type, ReadOnlySpan<byte> row, Span<float> scratch)
    {
        switch (type)
        {
            case GgmlType.F32:
                return MemoryMarshal.Cast<byte, float>(row);
            case GgmlType.F16:
                var halves = MemoryMarshal.Cast<byte, Half>(row);
                TensorPrimitives.ConvertToSingle(halves, scratch[..halves.Length]);
                return scratch[..halves.Length];
            case GgmlType.BF16:
                var bits = MemoryMarshal.Cast<byte, ushort>(row);
                WidenBF16(bits, scratch[..bits.Length]);
                return scratch[..bits.Length];
            default:
                int values = (int)(row.Length / GgmlTypeInfo.BlockBytes(type) * GgmlTypeInfo.BlockSize(type));
                RowCodec.Dequantize(type, row, scratch[..values]);
                return scratch[..values];
        }
    }

    /// <summary>A BF16 value is the upper 16 bits of an f32, so widening is a zero-extend and a shift.</summary>
    public static void WidenBF16(ReadOnlySpan<ushort> source, Span<float> destination)
    {
        var output = MemoryMarshal.Cast<float, uint>(destination);
        int i = 0;
        if (Vector256.IsHardwareAccelerated)
        {
            ref ushort src = ref MemoryMarshal.GetReference(source);
            for (; i + Vector256<ushort>.Count <= source.Length; i += Vector256<ushort>.Count)
            {
                var v = Vector256.LoadUnsafe(ref src, (nuint)i);
                Vector256.ShiftLeft(Vector256.WidenLower(v), 16).CopyTo(output[i..]);
                Vector256.ShiftLeft(Vector256.WidenUpper(v), 16).CopyTo(output[(i + Vector256<uint>.Count)..]);
            }
        }
        for (; i < source.Length; i++) output[i] = (uint)source[i] << 16;
    }
}
