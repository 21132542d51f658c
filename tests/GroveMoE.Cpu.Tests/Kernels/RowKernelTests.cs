using System.Buffers.Binary;
using GroveMoE.Cpu.Kernels;
using GroveMoE.Cpu.Quantization;
using GroveMoE.Cpu.Tests.Reference;

namespace GroveMoE.Cpu.Tests.Kernels;

/// <summary>
/// The K-quant and IQ4 dot kernels on every path against Σ_b dx_b·Σ_j w_j·q_j in float64, with w decoded by the
/// float64 reference: random bit patterns, rows our quantizer wrote, and activations at the ±127 saturation edge.
/// </summary>
public sealed unsafe class RowKernelTests
{
    public static TheoryData<GgmlType, int, bool> Cases()
    {
        var data = new TheoryData<GgmlType, int, bool>();
        foreach (var type in new[] { GgmlType.Q4_K, GgmlType.Q5_K, GgmlType.Q6_K, GgmlType.IQ4_XS, GgmlType.IQ4_NL })
        foreach (int superBlocks in new[] { 1, 3, 8 })
        foreach (bool extreme in new[] { false, true })
            data.Add(type, superBlocks, extreme);
        return data;
    }

    [Theory, MemberData(nameof(Cases))]
    public void Scalar(GgmlType type, int superBlocks, bool extreme) => Check(KernelPath.Scalar, type, superBlocks, extreme);

    [KernelPathTheory(KernelPath.Vector256), MemberData(nameof(Cases))]
    public void Vector256(GgmlType type, int superBlocks, bool extreme) => Check(KernelPath.Vector256, type, superBlocks, extreme);

    [KernelPathTheory(KernelPath.Vector256Vnni), MemberData(nameof(Cases))]
    public void Vector256Vnni(GgmlType type, int superBlocks, bool extreme) => Check(KernelPath.Vector256Vnni, type, superBlocks, extreme);

    /// <summary>f16 fields of each format, set to moderate finite values so random bytes never decode to Inf or NaN.</summary>
    private static int[] HalfFields(GgmlType type) => type switch
    {
        GgmlType.Q4_K or GgmlType.Q5_K => [0, 2],
        GgmlType.Q6_K => [208],
        _ => [0],
    };

    private static byte[] RandomRow(GgmlType type, int values, Random random, bool quantized)
    {
        var row = new byte[GgmlTypeInfo.RowBytes(type, values)];
        if (quantized)
        {
            var x = Enumerable.Range(0, values).Select(_ => (float)(random.NextDouble() * 2 - 1) * (random.Next(10) == 0 ? 5 : 1)).ToArray();
            RowCodec.Quantize(type, x, row);
            return row;
        }
        random.NextBytes(row);
        int blockBytes = GgmlTypeInfo.BlockBytes(type);
        for (int at = 0; at < row.Length; at += blockBytes)
            foreach (int field in HalfFields(type))
                BinaryPrimitives.WriteHalfLittleEndian(row.AsSpan(at + field),
                    (Half)(Math.Pow(2, random.Next(-12, 2)) * (0.5 + random.NextDouble()) * (random.Next(2) == 0 ? -1 : 1)));
        return row;
    }

    private static void Check(KernelPath path, GgmlType type, int superBlocks, bool extreme)
    {
        var random = new Random(((int)path * 100 + (int)type) * 100 + superBlocks * 2 + (extreme ? 1 : 0));
        int values = 256 * superBlocks, blocks = values / 32;
        const int rows = 5;
        var x = KernelReference.RandomActivations(rows, values, random, extreme);
        for (int trial = 0; trial < 6; trial++)
        {
            var w = RandomRow(type, values, random, quantized: trial % 2 == 1);
            var weights = ReferenceDequantizer.Row(type, w, values);
            int xRow = random.Next(rows);
            double expected = 0, magnitude = 0;
            for (int b = 0; b < blocks; b++)
            {
                double dot = 0, largest = 0, absolute = 0;
                for (int j = 0; j < 32; j++)
                {
                    int q = x.Quants[xRow * values + 32 * b + j];
                    dot += weights[32 * b + j] * q;
                    largest = Math.Max(largest, Math.Abs(weights[32 * b + j]));
                    absolute += Math.Abs(q);
                }
                double dx = x.Scales[xRow * blocks + b];
                expected += dx * dot;
                // Affine formats add d·scale·q and subtract dmin·min separately: each is at most three times the largest weight.
                magnitude += Math.Abs(dx) * 3 * largest * absolute;
            }
            float actual;
            fixed (byte* row = w)
            fixed (sbyte* quants = x.Quants)
            fixed (float* scales = x.Scales)
            fixed (int* sums = x.Sums)
                actual = QuantizedDot.Row(path, type, row, x.Row(quants, scales, sums, xRow), blocks);
            double tolerance = (blocks + 32) * Math.Pow(2, -24) * magnitude;
            Assert.True(Math.Abs(actual - expected) <= tolerance, $"{path} {type} trial {trial}: got {actual}, expected {expected} ± {tolerance}");
        }
    }
}
