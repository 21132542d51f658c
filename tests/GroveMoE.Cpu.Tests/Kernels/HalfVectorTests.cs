using System.Runtime.Intrinsics;
using GroveMoE.Cpu.Kernels;
using GroveMoE.Cpu.Kernels.Formats;

namespace GroveMoE.Cpu.Tests.Kernels;

/// <summary>
/// The vector f16 → f32 widening of block scales against .NET's scalar Half conversion, for every finite half:
/// zeros, subnormals (the K-quant super-block scales that are small by construction), normals, both signs.
/// </summary>
public sealed unsafe class HalfVectorTests
{
    [KernelPathTheory(KernelPath.Vector256), InlineData(8)]
    public void Widen256MatchesScalarConversionForEveryFiniteHalf(int lanes) =>
        AssertEveryFiniteHalf(lanes, (halves, widened) => HalfVector.Widen256((byte*)halves).CopyTo(widened));

    [KernelPathTheory(KernelPath.Vector512), InlineData(16)]
    public void Widen512MatchesScalarConversionForEveryFiniteHalf(int lanes) =>
        AssertEveryFiniteHalf(lanes, (halves, widened) => HalfVector.Widen512((byte*)halves).CopyTo(widened));

    private static void AssertEveryFiniteHalf(int lanes, Action<nint, float[]> widen)
    {
        var halves = Enumerable.Range(0, 65536).Select(i => (ushort)i).Where(h => (h & 0x7C00) != 0x7C00).ToArray();
        var block = new ushort[lanes];
        var widened = new float[lanes];
        for (int i = 0; i < halves.Length; i += lanes)
        {
            for (int k = 0; k < lanes; k++) block[k] = halves[Math.Min(i + k, halves.Length - 1)];
            fixed (ushort* p = block) widen((nint)p, widened);
            for (int k = 0; k < lanes; k++)
            {
                float expected = (float)BitConverter.UInt16BitsToHalf(block[k]);
                Assert.True(BitConverter.SingleToUInt32Bits(expected) == BitConverter.SingleToUInt32Bits(widened[k]),
                    $"half 0x{block[k]:X4}: expected {expected:R}, got {widened[k]:R}");
            }
        }
    }
}
