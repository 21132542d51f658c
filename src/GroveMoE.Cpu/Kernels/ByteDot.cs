using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace GroveMoE.Cpu.Kernels;

/// <summary>
/// The unsigned-by-signed byte dot at the heart of the quantized kernels: lane i of the result is
/// Σ_{k&lt;4} u[4i+k]·s[4i+k]. Each Vector256 kernel is generic over this, so its math is written once and the
/// JIT specialises it per instruction set.
/// </summary>
internal interface IByteDot256
{
    static abstract bool IsSupported { get; }
    static abstract Vector256<int> Dot(Vector256<byte> u, Vector256<sbyte> s);
}

/// <summary>AVX2 vpmaddubsw + vpmaddwd. The int16 step saturates, so callers keep each pair sum below 2^15 (nibbles × int8, or |int8| × int8 with |s| ≤ 127).</summary>
internal readonly struct Avx2ByteDot : IByteDot256
{
    public static bool IsSupported => Avx2.IsSupported;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<int> Dot(Vector256<byte> u, Vector256<sbyte> s) =>
        Avx2.MultiplyAddAdjacent(Avx2.MultiplyAddAdjacent(u, s), Vector256.Create((short)1));
}

/// <summary>AVX-VNNI vpdpbusd: one instruction and no int16 saturation.</summary>
internal readonly struct AvxVnniByteDot : IByteDot256
{
    public static bool IsSupported => AvxVnni.IsSupported;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<int> Dot(Vector256<byte> u, Vector256<sbyte> s) =>
        AvxVnni.MultiplyWideningAndAdd(Vector256<int>.Zero, u, s);
}

/// <summary>AVX-512BW form of <see cref="Avx2ByteDot"/> on 64 bytes (two blocks). .NET 10 exposes no 512-bit VNNI.</summary>
internal static class Avx512ByteDot
{
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector512<int> Dot(Vector512<byte> u, Vector512<sbyte> s) =>
        Avx512BW.MultiplyAddAdjacent(Avx512BW.MultiplyAddAdjacent(u, s), Vector512.Create((short)1));
}
