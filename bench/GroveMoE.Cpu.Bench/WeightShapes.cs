using System.Buffers.Binary;
using System.Runtime.InteropServices;
using GroveMoE.Cpu.Quantization;

namespace GroveMoE.Cpu.Bench;

/// <summary>The weight matrices the kernel benchmarks stream: one expert and the output projection.</summary>
public static class WeightShapes
{
    public const string Expert = "Expert768x2048";
    public const string Output = "Output151936x2048";
    public const int Columns = 2048;

    public static int Rows(string shape) => shape == Output ? 151936 : 768;

    public static long Bytes(GgmlType type, string shape) => GgmlTypeInfo.RowBytes(type, Columns) * Rows(shape);

    /// <summary>Random weights in native memory (too big for the managed heap's comfort), with sane block scales.</summary>
    public static unsafe byte* Allocate(GgmlType type, string shape)
    {
        long bytes = Bytes(type, shape);
        var data = (byte*)NativeMemory.AlignedAlloc((nuint)bytes, 64);
        new Random(1).NextBytes(new Span<byte>(data, (int)bytes));
        int block = type switch { GgmlType.Q4_0 => 18, GgmlType.Q8_0 => 34, _ => 0 };
        if (block > 0)
        {
            for (long at = 0; at < bytes; at += block) BinaryPrimitives.WriteHalfLittleEndian(new Span<byte>(data + at, 2), (Half)0.01f);
        }
        else
        {
            var floats = new float[Columns];
            var row = new byte[GgmlTypeInfo.RowBytes(type, Columns)];
            for (int i = 0; i < floats.Length; i++) floats[i] = (float)(Random.Shared.NextDouble() - 0.5);
            RowCodec.Quantize(type, floats, row);
            for (long at = 0; at < bytes; at += row.Length) row.CopyTo(new Span<byte>(data + at, row.Length));
        }
        return data;
    }
}
