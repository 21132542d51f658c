using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace GroveMoE.Cpu.Kernels.Formats;

/// <summary>
/// f16 → f32 for vectors of block scales. .NET 10 exposes no vcvtph2ps, so: sign-extend each half to 32 bits,
/// shift its exponent and mantissa into f32 position, clear the copies of the sign the extension left in the
/// exponent, and multiply by 2^112 to rebias the exponent (15 → 127). Exact for normal and subnormal halves
/// (a subnormal half becomes a subnormal float, which the multiply scales exactly); infinities and NaNs come out
/// finite, which only a corrupt file can contain. Four instructions for sixteen scales.
/// </summary>
internal static unsafe class HalfVector
{
    private const uint KeepMask = 0x8FFF_FFFF;
    private const float Rebias = 5.192296858534828e33f; // 2^112

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector512<float> Widen512(byte* halves)
    {
        var extended = Avx512F.ConvertToVector512Int32(Vector256.Load((short*)halves));
        var bits = Vector512.ShiftLeft(extended, 13).AsUInt32() & Vector512.Create(KeepMask);
        return bits.AsSingle() * Vector512.Create(Rebias);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<float> Widen256(byte* halves)
    {
        var extended = Avx2.ConvertToVector256Int32((short*)halves);
        var bits = Vector256.ShiftLeft(extended, 13).AsUInt32() & Vector256.Create(KeepMask);
        return bits.AsSingle() * Vector256.Create(Rebias);
    }
}
