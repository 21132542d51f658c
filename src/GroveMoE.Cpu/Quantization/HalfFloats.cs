using System.Numerics.Tensors;
using System.Runtime.InteropServices;

namespace GroveMoE.Cpu.Quantization;

/// <summary>F16 (IEEE half) and BF16 (the upper half of an f32) rows, converted with round-to-nearest-even as ggml does.</summary>
internal static class HalfFloats
{
    public static void QuantizeF16(ReadOnlySpan<float> source, Span<byte> destination) =>
        TensorPrimitives.ConvertToHalf(source, MemoryMarshal.Cast<byte, Half>(destination)[..source.Length]);

    public static void DequantizeF16(ReadOnlySpan<byte> source, Span<float> destination) =>
        TensorPrimitives.ConvertToSingle(MemoryMarshal.Cast<byte, Half>(source)[..destination.Length], destination);

    public static void QuantizeBF16(ReadOnlySpan<float> source, Span<byte> destination)
    {
        var bits = MemoryMarshal.Cast<float, uint>(source);
        var output = MemoryMarshal.Cast<byte, ushort>(destination);
        for (int i = 0; i < bits.Length; i++) output[i] = ToBF16(bits[i]);
    }

    public static void DequantizeBF16(ReadOnlySpan<byte> source, Span<float> destination)
    {
        var input = MemoryMarshal.Cast<byte, ushort>(source);
        var output = MemoryMarshal.Cast<float, uint>(destination);
        for (int i = 0; i < output.Length; i++) output[i] = (uint)input[i] << 16;
    }

    /// <summary>Rounds each value to the nearest BF16, in place, as storing and reloading it would.</summary>
    public static void RoundToBF16(Span<float> values)
    {
        var bits = MemoryMarshal.Cast<float, uint>(values);
        for (int i = 0; i < bits.Length; i++) bits[i] = (uint)ToBF16(bits[i]) << 16;
    }

    public static ushort ToBF16(uint f32Bits)
    {
        if ((f32Bits & 0x7FFFFFFF) > 0x7F800000) return (ushort)((f32Bits >> 16) | 64); // quiet NaN
        return (ushort)((f32Bits + (0x7FFF + ((f32Bits >> 16) & 1))) >> 16);
    }
}
