using GroveMoE.Cpu.Quantization;

namespace GroveMoE.Cpu.Tests.Quantization;

/// <summary>
/// Q8_0 and Q4_0 blocks byte for byte against encodings derived by hand from ggml's block definitions
/// (grovemoe-spec.md): f16 scale little-endian, then the quants.
/// </summary>
public sealed class BlockEncodingTests
{
    // x = 0..31. amax = 31, d = 31/127 = 0.24409449 = 2^-3 · 1.95275591; f16 mantissa (0.95275591·1024 = 975.6) rounds
    // to 976 = 0x3D0, exponent -3+15 = 12: bits 12<<10 | 0x3D0 = 0x33D0 → bytes D0 33.
    // q_i = round(i · 127/31) = round(i · 4.0968): 0 4 8 12 16 20 25 29 33 37 41 45 49 53 57 61 66 70 74 78 82 86 90 94
    // 98 102 107 111 115 119 123 127.
    private static readonly byte[] Q8Ramp =
    [
        0xD0, 0x33,
        0, 4, 8, 12, 16, 20, 25, 29, 33, 37, 41, 45, 49, 53, 57, 61,
        66, 70, 74, 78, 82, 86, 90, 94, 98, 102, 107, 111, 115, 119, 123, 127,
    ];

    // x_j = (j-16)/2 = -8 .. 7.5. amax = 8, d = 8/127 = 0.06299213 = 2^-4 · 1.00787; mantissa 0.00787·1024 = 8.06 → 8,
    // exponent 11: bits 11<<10 | 8 = 0x2C08 → bytes 08 2C. q_j = round((j-16) · 7.9375), half away from zero:
    // j=8 gives -63.5 → -64 and j=24 gives 63.5 → 64; j=0 gives -127 (0x81).
    private static readonly byte[] Q8Signed =
    [
        0x08, 0x2C,
        unchecked((byte)-127), unchecked((byte)-119), unchecked((byte)-111), unchecked((byte)-103), unchecked((byte)-95),
        unchecked((byte)-87), unchecked((byte)-79), unchecked((byte)-71), unchecked((byte)-64), unchecked((byte)-56),
        unchecked((byte)-48), unchecked((byte)-40), unchecked((byte)-32), unchecked((byte)-24), unchecked((byte)-16),
        unchecked((byte)-8), 0, 8, 16, 24, 32, 40, 48, 56, 64, 71, 79, 87, 95, 103, 111, 119,
    ];

    // x = 0..31. The element of largest magnitude is +31, d = 31 / -8 = -3.875 = -(2^1 · 1.9375): sign 1, exponent 16,
    // mantissa 0.9375·1024 = 960 = 0x3C0 → 0xC3C0 → bytes C0 C3. nibble = min(15, trunc(x/d + 8.5)) = trunc(8.5 - x·0.258):
    // x 0,1 → 8; 2-5 → 7; 6-9 → 6; 10-13 → 5; 14-17 → 4; 18-21 → 3; 22-25 → 2; 26-29 → 1; 30,31 → 0.
    // byte j = nibble(x_j) | nibble(x_{j+16}) << 4.
    private static readonly byte[] Q4Ramp =
    [
        0xC0, 0xC3,
        0x48, 0x48, 0x37, 0x37, 0x37, 0x37, 0x26, 0x26, 0x26, 0x26, 0x15, 0x15, 0x15, 0x15, 0x04, 0x04,
    ];

    // x_0 = -8 (the largest magnitude, first), x_1 = +8, x_j = (j mod 5) - 2 for j ≥ 2. d = -8 / -8 = 1.0 → 0x3C00.
    // nibble = trunc(x + 8.5): -8 → 0, +8 → 16 clamped to 15 (decodes to 7: the one element ggml lets err by d),
    // -2..2 → 6..10. Low nibbles (j 0..15): 0 15 8 9 10 6 7 8 9 10 6 7 8 9 10 6;
    // high nibbles (j 16..31): 7 8 9 10 6 7 8 9 10 6 7 8 9 10 6 7.
    private static readonly byte[] Q4Clamped =
    [
        0x00, 0x3C,
        0x70, 0x8F, 0x98, 0xA9, 0x6A, 0x76, 0x87, 0x98, 0xA9, 0x6A, 0x76, 0x87, 0x98, 0xA9, 0x6A, 0x76,
    ];

    private static float[] Ramp() => Enumerable.Range(0, 32).Select(i => (float)i).ToArray();

    [Fact]
    public void Q8RampMatchesHandEncoding() => Assert.Equal(Q8Ramp, Encode(GgmlType.Q8_0, Ramp()));

    [Fact]
    public void Q8SignedHalvesRoundAwayFromZero() =>
        Assert.Equal(Q8Signed, Encode(GgmlType.Q8_0, Enumerable.Range(0, 32).Select(j => (j - 16) * 0.5f).ToArray()));

    [Fact]
    public void Q4RampMatchesHandEncoding() => Assert.Equal(Q4Ramp, Encode(GgmlType.Q4_0, Ramp()));

    [Fact]
    public void Q4ClampsTheOppositeExtreme()
    {
        var x = new float[32];
        x[0] = -8;
        x[1] = 8;
        for (int j = 2; j < 32; j++) x[j] = j % 5 - 2;
        Assert.Equal(Q4Clamped, Encode(GgmlType.Q4_0, x));
    }

    // Q8_0: d = 0/127 = +0 → 0x0000. Q4_0: d = 0 / -8 = -0 → 0x8000, which ggml writes too. Nibbles: trunc(0 + 8.5) = 8.
    [Theory]
    [InlineData(GgmlType.Q8_0, 0x0000)]
    [InlineData(GgmlType.Q4_0, 0x8000)]
    public void ZeroBlockHasZeroScale(GgmlType type, int scaleBits)
    {
        var bytes = Encode(type, new float[32]);
        Assert.Equal(scaleBits, bytes[0] | bytes[1] << 8);
        Assert.All(bytes[2..], b => Assert.Equal(type == GgmlType.Q8_0 ? 0 : 0x88, b));
        var decoded = new float[32];
        RowCodec.Dequantize(type, bytes, decoded);
        Assert.All(decoded, v => Assert.Equal(0f, v));
    }

    [Fact]
    public void SeveralBlocksAreEncodedIndependently()
    {
        var x = Ramp().Concat(Enumerable.Range(0, 32).Select(j => (j - 16) * 0.5f)).ToArray();
        Assert.Equal(Q8Ramp.Concat(Q8Signed).ToArray(), Encode(GgmlType.Q8_0, x));
    }

    private static byte[] Encode(GgmlType type, float[] x)
    {
        var bytes = new byte[GgmlTypeInfo.RowBytes(type, x.Length)];
        RowCodec.Quantize(type, x, bytes);
        return bytes;
    }
}
