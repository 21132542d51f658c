using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace GroveMoE.Cpu.Kernels.Formats;

/// <summary>
/// f16 → f32 for vectors of block scales. .NET 10 exposes no vcvtph2ps, so in integers: move each half's exponent and
/// mantissa into f32 position and add the exponent bias difference (127 − 15); a subnormal half (exponent 0) instead
/// becomes 2^-14·(1 + m/1024) − 2^-14 = m·2^-24, exact; then the sign. Every float operand is normal: the former form
/// (shift, then multiply by 2^112) fed subnormal floats to vmulps for subnormal halves, and each such multiply is a
/// microcode assist — K-quant super-block scales are small by construction (IQ4_XS's d ≈ amax/4064 is subnormal in
/// f16 for amax below ~0.25), and one instruction took 36 % of an IQ4_XS prompt's time (perf). Infinities and NaNs
/// come out finite, which only a corrupt file can contain.
/// </summary>
internal static unsafe class HalfVector
{
    private const int MagnitudeMask = 0x7FFF, SubnormalLimit = 0x0400, SignMask = 0x8000;
    private const int NormalBias = (127 - 15) << 23, SubnormalExponent = 113 << 23;
    private const float SubnormalOffset = 6.103515625e-5f; // 2^-14

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector512<float> Widen512(byte* halves) =>
        Widen(Avx512F.ConvertToVector512Int32(Vector256.Load((short*)halves)));

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<float> Widen256(byte* halves) => Widen(Avx2.ConvertToVector256Int32((short*)halves));

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector512<float> Widen(Vector512<int> half)
    {
        var magnitude = half & Vector512.Create(MagnitudeMask);
        var shifted = Vector512.ShiftLeft(magnitude, 13);
        var normal = (shifted + Vector512.Create(NormalBias)).AsSingle();
        var subnormal = (shifted | Vector512.Create(SubnormalExponent)).AsSingle() - Vector512.Create(SubnormalOffset);
        var value = Vector512.ConditionalSelect(Vector512.LessThan(magnitude, Vector512.Create(SubnormalLimit)).AsSingle(), subnormal, normal);
        return value | Vector512.ShiftLeft(half & Vector512.Create(SignMask), 16).AsSingle();
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector256<float> Widen(Vector256<int> half)
    {
        var magnitude = half & Vector256.Create(MagnitudeMask);
        var shifted = Vector256.ShiftLeft(magnitude, 13);
        var normal = (shifted + Vector256.Create(NormalBias)).AsSingle();
        var subnormal = (shifted | Vector256.Create(SubnormalExponent)).AsSingle() - Vector256.Create(SubnormalOffset);
        var value = Vector256.ConditionalSelect(Vector256.LessThan(magnitude, Vector256.Create(SubnormalLimit)).AsSingle(), subnormal, normal);
        return value | Vector256.ShiftLeft(half & Vector256.Create(SignMask), 16).AsSingle();
    }
}
