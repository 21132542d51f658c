using GroveMoE.Cpu.Kernels;
using GroveMoE.Cpu.Quantization;

namespace GroveMoE.Cpu.Tests.Kernels;

/// <summary>
/// Every quantized dot path, single-row and four-row, against the float64 ggml definition; and the four-row result
/// bit for bit the single-row one (what lets batched decoding group rows of different sequences).
/// </summary>
public sealed unsafe class QuantizedDotTests
{
    /// <summary>Random values; extremes (±127 activations, -128/127 or 0/15 weights) at the int16 saturation edge; unit scales, where results must be exact.</summary>
    public enum Values { Random, Extreme, UnitScales }

    public static TheoryData<GgmlType, int, Values> Cases()
    {
        var data = new TheoryData<GgmlType, int, Values>();
        foreach (var type in new[] { GgmlType.Q4_0, GgmlType.Q8_0 })
        foreach (int blocks in new[] { 1, 2, 3, 7, 64, 65 })
        foreach (var values in Enum.GetValues<Values>())
            data.Add(type, blocks, values);
        return data;
    }

    [Theory, MemberData(nameof(Cases))]
    public void Scalar(GgmlType type, int blocks, Values values) => Check(KernelPath.Scalar, type, blocks, values);

    [KernelPathTheory(KernelPath.Vector256), MemberData(nameof(Cases))]
    public void Vector256(GgmlType type, int blocks, Values values) => Check(KernelPath.Vector256, type, blocks, values);

    [KernelPathTheory(KernelPath.Vector256Vnni), MemberData(nameof(Cases))]
    public void Vector256Vnni(GgmlType type, int blocks, Values values) => Check(KernelPath.Vector256Vnni, type, blocks, values);

    [KernelPathTheory(KernelPath.Vector512), MemberData(nameof(Cases))]
    public void Vector512(GgmlType type, int blocks, Values values) => Check(KernelPath.Vector512, type, blocks, values);

    private static void Check(KernelPath path, GgmlType type, int blocks, Values values)
    {
        var random = new Random(((int)path * 1000 + (int)type) * 1000 + blocks * 10 + (int)values);
        const int rows = 9;
        bool extreme = values == Values.Extreme, unit = values == Values.UnitScales;
        var x = KernelReference.RandomActivations(rows, blocks * 32, random, extreme, unit);
        for (int trial = 0; trial < 8; trial++)
        {
            var w = KernelReference.RandomRow(type, blocks, random, extreme, unit);
            int[] picks = [random.Next(rows), random.Next(rows), random.Next(rows), random.Next(rows)];
            var results = new float[4];
            var group = new Q8Row[4];
            fixed (byte* row = w)
            fixed (sbyte* quants = x.Quants)
            fixed (float* scales = x.Scales)
            fixed (int* sums = x.Sums)
            fixed (float* resultsPointer = results)
            fixed (Q8Row* groupPointer = group)
            {
                for (int k = 0; k < 4; k++) group[k] = x.Row(quants, scales, sums, picks[k]);
                if (type == GgmlType.Q4_0) QuantizedDot.Q4_0x4(path, row, groupPointer, blocks, resultsPointer);
                else QuantizedDot.Q8_0x4(path, row, groupPointer, blocks, resultsPointer);
                for (int k = 0; k < 4; k++)
                {
                    float single = type == GgmlType.Q4_0
                        ? QuantizedDot.Q4_0(path, row, group[k], blocks)
                        : QuantizedDot.Q8_0(path, row, group[k], blocks);
                    var (expected, magnitude) = KernelReference.Dot(type, w, x, picks[k]);
                    double tolerance = KernelReference.Tolerance(blocks, magnitude, unit);
                    Assert.True(Math.Abs(single - expected) <= tolerance,
                        $"{path} {type} single: got {single}, expected {expected} ± {tolerance}");
                    Assert.True(Math.Abs(results[k] - expected) <= tolerance,
                        $"{path} {type} x4[{k}]: got {results[k]}, expected {expected} ± {tolerance}");
                    Assert.True(BitConverter.SingleToInt32Bits(single) == BitConverter.SingleToInt32Bits(results[k]),
                        $"{path} {type} {blocks} blocks: x4[{k}] = {results[k]:R} but the single-row kernel gives {single:R}");
                }
            }
        }
    }
}
