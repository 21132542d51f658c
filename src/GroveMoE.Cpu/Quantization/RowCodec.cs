using System.Runtime.InteropServices;

namespace GroveMoE.Cpu.Quantization;

/// <summary>Quantizes and dequantizes rows of any supported ggml type.</summary>
public static class RowCodec
{
    /// <summary>Encodes one row of <paramref name="source"/> as <paramref name="type"/>; throws <see cref="NotSupportedException"/> for a type it cannot write and <see cref="ArgumentException"/> for a length that splits a block.</summary>
    public static void Quantize(GgmlType type, ReadOnlySpan<float> source, Span<byte> destination)
    {
        switch (type)
        {
            case GgmlType.F32: MemoryMarshal.AsBytes(source).CopyTo(destination); break;
            case GgmlType.F16: HalfFloats.QuantizeF16(source, destination); break;
            case GgmlType.BF16: HalfFloats.QuantizeBF16(source, destination); break;
            case GgmlType.Q8_0: Q8_0.QuantizeRow(source, destination); break;
            case GgmlType.Q4_0: Q4_0.QuantizeRow(source, destination); break;
            case GgmlType.Q4_1: Q4_1.QuantizeRow(source, destination); break;
            case GgmlType.Q5_0: Q5_0.QuantizeRow(source, destination); break;
            case GgmlType.Q5_1: Q5_1.QuantizeRow(source, destination); break;
            case GgmlType.IQ4_NL: IQ4_NL.QuantizeRow(source, destination); break;
            case GgmlType.Q2_K: Q2_K.QuantizeRow(source, destination); break;
            case GgmlType.Q3_K: Q3_K.QuantizeRow(source, destination); break;
            case GgmlType.Q4_K: Q4_K.QuantizeRow(source, destination); break;
            case GgmlType.Q5_K: Q5_K.QuantizeRow(source, destination); break;
            case GgmlType.Q6_K: Q6_K.QuantizeRow(source, destination); break;
            case GgmlType.IQ4_XS: IQ4_XS.QuantizeRow(source, destination); break;
            case GgmlType.Q8_K: Q8_K.QuantizeRow(source, destination); break;
            default: throw new NotSupportedException($"quantizing to {type} is not supported");
        }
    }

    /// <summary>Decodes one row of <paramref name="type"/> into <paramref name="destination"/> (its length is the row's); throws <see cref="NotSupportedException"/> for a type it cannot read.</summary>
    public static void Dequantize(GgmlType type, ReadOnlySpan<byte> source, Span<float> destination)
    {
        switch (type)
        {
            case GgmlType.F32: MemoryMarshal.Cast<byte, float>(source)[..destination.Length].CopyTo(destination); break;
            case GgmlType.F16: HalfFloats.DequantizeF16(source, destination); break;
            case GgmlType.BF16: HalfFloats.DequantizeBF16(source, destination); break;
            case GgmlType.Q8_0: Q8_0.DequantizeRow(source, destination); break;
            case GgmlType.Q4_0: Q4_0.DequantizeRow(source, destination); break;
            case GgmlType.Q4_1: Q4_1.DequantizeRow(source, destination); break;
            case GgmlType.Q5_0: Q5_0.DequantizeRow(source, destination); break;
            case GgmlType.Q5_1: Q5_1.DequantizeRow(source, destination); break;
            case GgmlType.IQ4_NL: IQ4_NL.DequantizeRow(source, destination); break;
            case GgmlType.Q2_K: Q2_K.DequantizeRow(source, destination); break;
            case GgmlType.Q3_K: Q3_K.DequantizeRow(source, destination); break;
            case GgmlType.Q4_K: Q4_K.DequantizeRow(source, destination); break;
            case GgmlType.Q5_K: Q5_K.DequantizeRow(source, destination); break;
            case GgmlType.Q6_K: Q6_K.DequantizeRow(source, destination); break;
            case GgmlType.IQ4_XS: IQ4_XS.DequantizeRow(source, destination); break;
            case GgmlType.Q8_K: Q8_K.DequantizeRow(source, destination); break;
            default: throw new NotSupportedException($"{type} tensors are not supported by this runtime");
        }
    }

    /// <summary>Quantizes a whole row-major matrix into a new byte array.</summary>
    public static byte[] QuantizeMatrix(GgmlType type, ReadOnlySpan<float> values, int rowLength)
    {
        int rows = values.Length / rowLength;
        long rowBytes = GgmlTypeInfo.RowBytes(type, rowLength);
        var result = new byte[rowBytes * rows];
        for (int r = 0; r < rows; r++)
            Quantize(type, values.Slice(r * rowLength, rowLength), result.AsSpan((int)(r * rowBytes), (int)rowBytes));
        return result;
    }
}
