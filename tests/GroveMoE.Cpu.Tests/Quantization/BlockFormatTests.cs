using System.Buffers.Binary;
using GroveMoE.Cpu.Quantization;
using GroveMoE.Cpu.Tests.Reference;

namespace GroveMoE.Cpu.Tests.Quantization;

/// <summary>
/// The 32-blocks beyond Q8_0/Q4_0 and the K-quant super-blocks: the library's decoder against the float64 reference
/// on random blocks (every bit pattern of quants and scales, f16 factors from subnormal to 65504 and of both signs),
/// and the quantizers' error on random rows with mixed, tiny and extreme magnitudes.
/// </summary>
public sealed class BlockFormatTests
{
    public static TheoryData<GgmlType> Formats => new()
    {
        GgmlType.Q4_1, GgmlType.Q5_0, GgmlType.Q5_1, GgmlType.IQ4_NL,
        GgmlType.Q2_K, GgmlType.Q3_K, GgmlType.Q4_K, GgmlType.Q5_K, GgmlType.Q6_K, GgmlType.IQ4_XS,
    };

    /// <summary>Byte offsets of each format's f16 fields, which random bytes would too often make Inf or NaN.</summary>
    private static int[] HalfFields(GgmlType type) => type switch
    {
        GgmlType.Q4_1 or GgmlType.Q5_1 or GgmlType.Q4_K or GgmlType.Q5_K => [0, 2],
        GgmlType.Q5_0 or GgmlType.IQ4_NL or GgmlType.IQ4_XS => [0],
        GgmlType.Q2_K => [80, 82],
        GgmlType.Q3_K => [108],
        GgmlType.Q6_K => [208],
        _ => throw new ArgumentOutOfRangeException(nameof(type)),
    };

    private static ushort RandomHalf(Random random) => random.Next(8) switch
    {
        0 => 0x7BFF,                      // 65504, the largest f16
        1 => 0xFBFF,                      // -65504
        2 => (ushort)random.Next(1, 0x400), // subnormal
        3 => 0x8000,                      // -0
        _ => (ushort)(random.Next(0x7C00) | (random.Next(2) << 15)), // any finite value
    };

    [Theory]
    [MemberData(nameof(Formats))]
    public void DecoderMatchesTheFloat64Reference(GgmlType type)
    {
        var random = new Random(1000 + (int)type);
        int blocks = 64, size = GgmlTypeInfo.BlockSize(type), blockBytes = GgmlTypeInfo.BlockBytes(type);
        var bytes = new byte[blocks * blockBytes];
        random.NextBytes(bytes);
        for (int b = 0; b < blocks; b++)
            foreach (int at in HalfFields(type))
                BinaryPrimitives.WriteUInt16LittleEndian(bytes.AsSpan(b * blockBytes + at), RandomHalf(random));

        var decoded = new float[blocks * size];
        RowCodec.Dequantize(type, bytes, decoded);
        var reference = ReferenceDequantizer.Row(type, bytes, decoded.Length);
        for (int b = 0; b < blocks; b++)
        {
            // f32 arithmetic rounds each product and difference once: allow a few ulps of the block's largest value.
            double largest = Enumerable.Range(b * size, size).Max(i => Math.Abs(reference[i]));
            for (int i = b * size; i < (b + 1) * size; i++)
            {
                double tolerance = (Math.Abs(reference[i]) + largest) * Math.Pow(2, -21);
                Assert.True(Math.Abs(decoded[i] - reference[i]) <= tolerance,
                    $"{type} block {b} element {i % size}: {decoded[i]} vs reference {reference[i]}");
            }
        }
    }

    /// <summary>
    /// Rows of groups of 256 with different magnitudes: normal, small, huge, one outlier, all zero, constant, one sign.
    /// Small stops at 1e-2: below that the f16 super-block factors of the K-quants go subnormal, in ggml as here.
    /// </summary>
    private static float[] TestRow(int seed, int blocks, int size)
    {
        var random = new Random(seed);
        var x = new float[blocks * size];
        for (int b = 0; b < blocks; b++)
        {
            int kind = b * size / 256 % 7;
            double scale = kind switch { 1 => 1e-2, 2 => 3e3, _ => 1 };
            for (int j = 0; j < size; j++)
            {
                double gaussian = Math.Sqrt(-2 * Math.Log(1 - random.NextDouble())) * Math.Cos(2 * Math.PI * random.NextDouble());
                x[b * size + j] = kind switch
                {
                    3 => (float)(j == 5 ? 40 : gaussian),
                    4 => 0,
                    5 => 0.25f,
                    6 => (float)Math.Abs(gaussian),
                    _ => (float)(gaussian * scale),
                };
            }
        }
        return x;
    }

    /// <summary>
    /// Worst relative RMS error per block allowed on Gaussian blocks: the formats' step sizes with room to spare
    /// (largest measured here: Q2_K 0.32, Q3_K 0.17, 4-bit 0.087, 5-bit 0.047).
    /// </summary>
    private static double Bound(GgmlType type) => type switch
    {
        GgmlType.Q2_K => 0.40,
        GgmlType.Q3_K => 0.20,
        GgmlType.Q4_K or GgmlType.Q4_1 or GgmlType.IQ4_NL or GgmlType.IQ4_XS => 0.10,
        GgmlType.Q5_K or GgmlType.Q5_0 or GgmlType.Q5_1 => 0.055,
        GgmlType.Q6_K => 0.025,
        _ => throw new ArgumentOutOfRangeException(nameof(type)),
    };

    [Theory]
    [MemberData(nameof(Formats))]
    public void QuantizerErrorStaysWithinTheFormatsStep(GgmlType type)
    {
        int size = GgmlTypeInfo.BlockSize(type);
        int blocks = 7 * 256 / size * 4;
        var x = TestRow(2000 + (int)type, blocks, size);
        var bytes = new byte[GgmlTypeInfo.RowBytes(type, x.Length)];
        RowCodec.Quantize(type, x, bytes);
        var decoded = ReferenceDequantizer.Row(type, bytes, x.Length);
        var library = new float[x.Length];
        RowCodec.Dequantize(type, bytes, library);

        // Judge by groups of 256 so the 32-blocks see the same mixtures of magnitudes as the super-blocks.
        for (int g = 0; g < x.Length / 256; g++)
        {
            double error = 0, energy = 0;
            for (int i = 256 * g; i < 256 * (g + 1); i++)
            {
                error += (x[i] - decoded[i]) * (x[i] - decoded[i]);
                energy += (double)x[i] * x[i];
                Assert.Equal((float)decoded[i], library[i], (float)(Math.Abs(decoded[i]) * 1e-6 + 1e-30));
            }
            if (energy == 0)
            {
                Assert.Equal(0, error);
                continue;
            }
            double relative = Math.Sqrt(error / energy);
            // One outlier stretches a block's range: the formats with a min (Q4_1, Q5_1) then lose the most.
            double bound = g % 7 == 3 ? 2 * Bound(type) : Bound(type);
            Assert.True(relative <= bound, $"{type} group {g}: relative RMS error {relative:F4} > {bound}");
        }
    }
}
