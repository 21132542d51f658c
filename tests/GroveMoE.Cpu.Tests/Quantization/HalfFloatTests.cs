using System.Buffers.Binary;
using GroveMoE.Cpu.Quantization;
using GroveMoE.Cpu.Tests.Reference;

namespace GroveMoE.Cpu.Tests.Quantization;

/// <summary>F16 and BF16 conversion rounds to nearest, ties to even, as ggml does.</summary>
public sealed class HalfFloatTests
{
    // Expected bits worked out from IEEE binary16: 10 mantissa bits, so the spacing just above 1 is 2^-10.
    [Theory]
    [InlineData(1f, 0x3C00)]
    [InlineData(-2f, 0xC000)]
    [InlineData(0.1f, 0x2E66)]                          // 0.1 = 2^-4 · 1.6 → mantissa 0.6·1024 = 614.4 → 614 = 0x266
    [InlineData(1f + 1f / 2048, 0x3C00)]                // halfway between mantissa 0 and 1 → even (0)
    [InlineData(1f + 3f / 2048, 0x3C02)]                // halfway between mantissa 1 and 2 → even (2)
    [InlineData(1f + 1f / 2048 + 1f / (1 << 20), 0x3C01)] // just above halfway → up
    [InlineData(65504f, 0x7BFF)]                        // largest finite half
    [InlineData(65520f, 0x7C00)]                        // halfway to 65536 → even, which overflows to infinity
    [InlineData(5.9604645e-8f, 0x0001)]                 // 2^-24, smallest subnormal
    [InlineData(2.9802322e-8f, 0x0000)]                 // 2^-25: halfway between 0 and 2^-24 → even (0)
    [InlineData(8.940697e-8f, 0x0002)]                  // 3·2^-25: halfway between 1 and 2 units → even (2)
    [InlineData(-0f, 0x8000)]
    public void F16RoundsToNearestEven(float value, int bits)
    {
        var bytes = new byte[2];
        HalfFloats.QuantizeF16([value], bytes);
        Assert.Equal((ushort)bits, BinaryPrimitives.ReadUInt16LittleEndian(bytes));
        var back = new float[1];
        HalfFloats.DequantizeF16(bytes, back);
        Assert.Equal(ReferenceDequantizer.HalfBits((ushort)bits), back[0]);
    }

    // BF16 keeps the top 16 bits of an f32; the low 16 decide the rounding.
    [Theory]
    [InlineData(0x3F800000u, 0x3F80)] // 1.0
    [InlineData(0x3F808000u, 0x3F80)] // exactly halfway, kept part even → down
    [InlineData(0x3F818000u, 0x3F82)] // exactly halfway, kept part odd → up to even
    [InlineData(0x3F808001u, 0x3F81)] // above halfway → up
    [InlineData(0x3F807FFFu, 0x3F80)] // below halfway → down
    [InlineData(0x7F7FFFFFu, 0x7F80)] // largest float rounds up to infinity
    [InlineData(0x80000000u, 0x8000)] // -0
    [InlineData(0xC0490FDBu, 0xC049)] // -π: 0x0FDB < 0x8000 → down
    public void BF16RoundsToNearestEven(uint f32Bits, int bits)
    {
        var bytes = new byte[2];
        HalfFloats.QuantizeBF16([BitConverter.UInt32BitsToSingle(f32Bits)], bytes);
        Assert.Equal((ushort)bits, BinaryPrimitives.ReadUInt16LittleEndian(bytes));
    }

    [Theory]
    [InlineData(0x7FC00000u)]
    [InlineData(0x7F800001u)] // a signalling NaN whose payload is all in the dropped bits must stay NaN
    [InlineData(0xFFFFFFFFu)]
    public void BF16KeepsNaN(uint f32Bits)
    {
        var bytes = new byte[2];
        HalfFloats.QuantizeBF16([BitConverter.UInt32BitsToSingle(f32Bits)], bytes);
        var back = new float[1];
        HalfFloats.DequantizeBF16(bytes, back);
        Assert.True(float.IsNaN(back[0]));
    }

    [Fact]
    public void EveryHalfDecodesLikeTheReference()
    {
        var bytes = new byte[2 * 65536];
        for (int i = 0; i < 65536; i++) BinaryPrimitives.WriteUInt16LittleEndian(bytes.AsSpan(2 * i), (ushort)i);
        var decoded = new float[65536];
        HalfFloats.DequantizeF16(bytes, decoded);
        for (int i = 0; i < 65536; i++)
        {
            double expected = ReferenceDequantizer.HalfBits((ushort)i);
            if (double.IsNaN(expected)) Assert.True(float.IsNaN(decoded[i]), $"0x{i:X4}");
            else Assert.True(expected == decoded[i], $"0x{i:X4}: {decoded[i]} != {expected}");
        }
    }
}
