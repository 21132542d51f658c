using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace GroveMoE.Cpu.Kernels;

/// <summary>The instruction-set paths of the quantized dot kernels; <see cref="KernelPaths.Best"/> is the one the runtime uses.</summary>
public enum KernelPath
{
    Scalar,
    Vector256,
    Vector256Vnni,
    Vector512,
}

public static class KernelPaths
{
    /// <summary>
    /// Widest first. Vector512 only where the JIT itself treats 512-bit vectors as fast (it turns that off on
    /// CPUs that downclock), since our 512-bit kernel leans on the same hardware.
    /// </summary>
    public static KernelPath Best { get; } =
        IsSupported(KernelPath.Vector512) && Vector512.IsHardwareAccelerated ? KernelPath.Vector512
        : IsSupported(KernelPath.Vector256Vnni) ? KernelPath.Vector256Vnni
        : IsSupported(KernelPath.Vector256) ? KernelPath.Vector256
        : KernelPath.Scalar;

    public static bool IsSupported(KernelPath path) => path switch
    {
        KernelPath.Scalar => true,
        KernelPath.Vector256 => Avx2ByteDot.IsSupported && Fma.IsSupported,
        KernelPath.Vector256Vnni => AvxVnniByteDot.IsSupported && Avx2.IsSupported && Fma.IsSupported,
        KernelPath.Vector512 => Avx512BW.IsSupported && Avx2.IsSupported && Fma.IsSupported,
        _ => false,
    };

    public static IEnumerable<KernelPath> Supported() => Enum.GetValues<KernelPath>().Where(IsSupported);
}
