using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;
using GroveMoE.Cpu.Kernels.Formats;

namespace GroveMoE.Cpu.Tests.Kernels;

/// <summary>
/// The vector f16 → f32 widening of block scales against .NET's scalar Half conversion, for every finite half:
/// zeros, subnormals (the K-quant super-block scales that are small by construction), normals, both signs.
/// </summary>
public sealed unsafe class HalfVectorTests
{
    private static IEnumerable<ushort> FiniteHalves() =>
        Enumerable.Range(0, 65536).Select(i => (ushort)i).Where(h => (h & 0x7C00) != 0x7C00);

    [Fact]
    public void Widen256MatchesScalarConversionForEveryFiniteHalf()
    {
        if (!Avx2.IsSupported) return;
        var halves = FiniteHalves().ToArray();
        var block = stackalloc ushort[8];
        for (int i = 0; i < halves.Length; i += 8)
        {
            for (int k = 0; k < 8; k++) block[k] = halves[Math.Min(i + k, halves.Length - 1)];
            var widened = HalfVector.Widen256((byte*)block);
            for (int k = 0; k < 8; k++) AssertSameBits(block[k], widened.GetElement(k));
        }
    }

    [Fact]
    public void Widen512MatchesScalarConversionForEveryFiniteHalf()
    {
        if (!Avx512F.IsSupported) return;
        var halves = FiniteHalves().ToArray();
        var block = stackalloc ushort[16];
        for (int i = 0; i < halves.Length; i += 16)
        {
            for (int k = 0; k < 16; k++) block[k] = halves[Math.Min(i + k, halves.Length - 1)];
            var widened = HalfVector.Widen512((byte*)block);
            for (int k = 0; k < 16; k++) AssertSameBits(block[k], widened.GetElement(k));
        }
    }

    private static void AssertSameBits(ushort half, float widened)
    {
        float expected = (float)BitConverter.UInt16BitsToHalf(half);
        Assert.True(BitConverter.SingleToUInt32Bits(expected) == BitConverter.SingleToUInt32Bits(widened),
            $"half 0x{half:X4}: expected {expected:R}, got {widened:R}");
    }
}
