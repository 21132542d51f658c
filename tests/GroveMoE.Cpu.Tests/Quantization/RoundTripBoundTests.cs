using System.Buffers.Binary;
using GroveMoE.Cpu.Quantization;
using GroveMoE.Cpu.Tests.Reference;

namespace GroveMoE.Cpu.Tests.Quantization;

/// <summary>Quantize-then-dequantize error stays within what each ggml block format promises, on random data.</summary>
public sealed class RoundTripBoundTests
{
    private static float[] RandomValues(int seed, int count)
    {
        var random = new Random(seed);
        // Mixed magnitudes per block, some blocks tiny, some with one outlier.
        return Enumerable.Range(0, count).Select(i =>
        {
            double scale = (i / 32 % 4) switch { 0 => 1, 1 => 1e-3, 2 => 50, _ => 1 };
            double v = (random.NextDouble() * 2 - 1) * scale;
            return (float)(i % 97 == 0 ? v * 20 : v);
        }).ToArray();
    }

    /// <summary>
    /// q = round(x / d) with d = max|x|/127 puts each element within d/2 of q·d; the file stores d as f16, which moves
    /// q·d by |q|·|d - d16| more.
    /// </summary>
    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    [InlineData(3)]
    public void Q8ErrorIsWithinHalfAStep(int seed)
    {
        var x = RandomValues(seed, 32 * 64);
        var bytes = new byte[GgmlTypeInfo.RowBytes(GgmlType.Q8_0, x.Length)];
        Q8_0.QuantizeRow(x, bytes);
        var back = new float[x.Length];
        Q8_0.DequantizeRow(bytes, back);
        var reference = ReferenceDequantizer.Row(GgmlType.Q8_0, bytes, x.Length);

        for (int b = 0; b < x.Length / 32; b++)
        {
            double d = x.AsSpan(32 * b, 32).ToArray().Max(MathF.Abs) / 127.0;
            double stored = ReferenceDequantizer.HalfBits(BinaryPrimitives.ReadUInt16LittleEndian(bytes.AsSpan(34 * b)));
            for (int j = 0; j < 32; j++)
            {
                int i = 32 * b + j;
                int q = (sbyte)bytes[34 * b + 2 + j];
                double bound = d / 2 * (1 + 1e-5) + Math.Abs(q) * Math.Abs(d - stored);
                Assert.True(Math.Abs(x[i] - back[i]) <= bound, $"element {i}: |{x[i]} - {back[i]}| > {bound}");
                Assert.Equal(reference[i], back[i]);
            }
        }
    }

    /// <summary>
    /// Q4_0 maps the element of largest magnitude m to nibble 0 with d = m / -8, so values span [-8d, 7d]: every element
    /// is within |d|/2 of its decoded value except one of the opposite sign and magnitude near |m|, which clamps to 7d
    /// and may be off by up to |d|. The f16 scale adds |nibble - 8|·|d - d16|.
    /// </summary>
    [Theory]
    [InlineData(4)]
    [InlineData(5)]
    [InlineData(6)]
    public void Q4ErrorIsWithinHalfAStepExceptTheClampedExtreme(int seed)
    {
        var x = RandomValues(seed, 32 * 64);
        var bytes = new byte[GgmlTypeInfo.RowBytes(GgmlType.Q4_0, x.Length)];
        Q4_0.QuantizeRow(x, bytes);
        var back = new float[x.Length];
        Q4_0.DequantizeRow(bytes, back);
        var reference = ReferenceDequantizer.Row(GgmlType.Q4_0, bytes, x.Length);

        for (int b = 0; b < x.Length / 32; b++)
        {
            var block = x.AsSpan(32 * b, 32).ToArray();
            float m = block.Aggregate(0f, (best, v) => MathF.Abs(v) > MathF.Abs(best) ? v : best);
            double d = Math.Abs(m / 8.0);
            double stored = Math.Abs(ReferenceDequantizer.HalfBits(BinaryPrimitives.ReadUInt16LittleEndian(bytes.AsSpan(18 * b))));
            for (int j = 0; j < 32; j++)
            {
                int i = 32 * b + j;
                int nibble = j < 16 ? bytes[18 * b + 2 + j] & 0xF : bytes[18 * b + 2 + j - 16] >> 4;
                bool clamped = nibble == 15 && x[i] / (m / -8.0) + 8.5 >= 16;
                double bound = (clamped ? d : d / 2) * (1 + 1e-5) + Math.Abs(nibble - 8) * Math.Abs(d - stored);
                Assert.True(Math.Abs(x[i] - back[i]) <= bound, $"element {i}: |{x[i]} - {back[i]}| > {bound}");
                Assert.Equal(reference[i], back[i]);
            }
        }
    }

    [Theory]
    [InlineData(GgmlType.F16, 1.0 / 2048)]
    [InlineData(GgmlType.BF16, 1.0 / 256)]
    public void HalfFormatsKeepRelativeErrorWithinHalfAnUlp(GgmlType type, double halfUlp)
    {
        var x = RandomValues(7, 1024).Select(v => v == 0 ? 1f : v).Where(v => Math.Abs(v) > 1e-4).ToArray();
        var bytes = new byte[GgmlTypeInfo.RowBytes(type, x.Length)];
        RowCodec.Quantize(type, x, bytes);
        var back = new float[x.Length];
        RowCodec.Dequantize(type, bytes, back);
        var reference = ReferenceDequantizer.Row(type, bytes, x.Length);
        for (int i = 0; i < x.Length; i++)
        {
            Assert.True(Math.Abs(x[i] - back[i]) <= Math.Abs(x[i]) * halfUlp, $"element {i}: {x[i]} → {back[i]}");
            Assert.Equal(reference[i], back[i]);
        }
    }
}
