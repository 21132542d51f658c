using System.Runtime.InteropServices;

namespace GroveMoE.Cpu.Quantization;

/// <summary>Quantizes and dequantizes rows of any supported ggml type.</summary>
public static class RowCodec
{
    public static void Quantize(GgmlType type, ReadOnlySpan<float> source, Span<byte> destination)
    {
        switch (type)
        {
            case GgmlType.F32: MemoryMarshal.AsBytes(source).CopyTo(destination); break;
            case GgmlType.F16: HalfFloats.QuantizeF16(source, destination); break;
            case GgmlType.BF16: HalfFloats.QuantizeBF16(source, destination); break;
            case GgmlType.Q8_0: Q8_0.QuantizeRow(source, destination); break;
            case GgmlType.Q4_0: Q4_0.QuantizeRow(source, destination); break;
            default: throw new NotSupportedException($"quantizing to {type} is not supported");
        }
    }

    public static void Dequantize(GgmlType type, ReadOnlySpan<byte> source, Span<float> destination)
    {
        switch (type)
        {
            case GgmlType.F32: MemoryMarshal.Cast<byte, float>(source)[..destination.Length].CopyTo(destination); break;
            case GgmlType.F16: HalfFloats.DequantizeF16(source, destination); break;
            case GgmlType.BF16: HalfFloats.DequantizeBF16(source, destination); break;
            case GgmlType.Q8_0: Q8_0.DequantizeRow(source, destination); break;
            case GgmlType.Q4_0: Q4_0.DequantizeRow(source, destination); break;
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
