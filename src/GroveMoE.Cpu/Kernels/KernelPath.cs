using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace GroveMoE.Cpu.Kernels;

/// <summary>The instruction-set paths of the quantized dot kernels; <see cref="KernelPaths.Best"/> is the one the runtime uses.</summary>
public enum KernelPath
{
    /// <summary>Plain C#, any CPU: the reference the others are tested against.</summary>
    Scalar,
    /// <summary>AVX2 with FMA.</summary>
    Vector256,
    /// <summary>AVX2 with AVX-VNNI integer dot products.</summary>
    Vector256Vnni,
    /// <summary>AVX-512 (F and BW).</summary>
    Vector512,
}

/// <summary>Which <see cref="KernelPath"/>s this CPU runs and which one the runtime picks.</summary>
public static class KernelPaths
{
    /// <summary>
    /// Vector256 before Vector512: with one or two blocks of 32 per step the 512-bit forms gain nothing in width
    /// and lose to their extra shuffles (measured in bench/README.md). Only the row layout (<c>--no-repack</c>) uses this.
    /// </summary>
    public static KernelPath Best { get; } =
        IsSupported(KernelPath.Vector256Vnni) ? KernelPath.Vector256Vnni
        : IsSupported(KernelPath.Vector256) ? KernelPath.Vector256
        : IsSupported(KernelPath.Vector512) && Vector512.IsHardwareAccelerated ? KernelPath.Vector512
        : KernelPath.Scalar;

    /// <summary>
    /// The path of the tiled-layout kernels (<see cref="TileKernels"/>) for a format. Weights of up to 6 bits sum two
    /// to eight byte products in int16, so the 512-bit form does sixteen rows per vpmaddubsw and beats AVX-VNNI's
    /// eight per vpdpbusd (one thread, L2-resident, GMAC/s decode / four-token GEMM: Q4_0 72 / 99 vs 72 / 83, Q4_K
    /// 54 / 69 vs 47 / 54, Q6_K 45 / 77 vs 36 / 51); 8-bit ones (Q8_0, IQ4's grid) cost vpmaddubsw a split into
    /// nibbles, so AVX-VNNI wins there by 1.5–2.4× (bench/README.md, "Speed II" and "K-quant speed").
    /// </summary>
    public static KernelPath BestTiled(int weightBits) =>
        weightBits <= 6 && IsSupported(KernelPath.Vector512) && Vector512.IsHardwareAccelerated ? KernelPath.Vector512
        : IsSupported(KernelPath.Vector256Vnni) ? KernelPath.Vector256Vnni
        : IsSupported(KernelPath.Vector512) && Vector512.IsHardwareAccelerated ? KernelPath.Vector512
        : IsSupported(KernelPath.Vector256) ? KernelPath.Vector256
        : KernelPath.Scalar;

    /// <summary>Whether this CPU has the instructions of <paramref name="path"/>.</summary>
    public static bool IsSupported(KernelPath path) => path switch
    {
        KernelPath.Scalar => true,
        KernelPath.Vector256 => Avx2ByteDot.IsSupported && Fma.IsSupported,
        KernelPath.Vector256Vnni => AvxVnniByteDot.IsSupported && Avx2.IsSupported && Fma.IsSupported,
        KernelPath.Vector512 => Avx512BW.IsSupported && Avx512F.IsSupported && Avx2.IsSupported && Fma.IsSupported,
        _ => false,
    };

    /// <summary>Every path this CPU can run.</summary>
    public static IEnumerable<KernelPath> Supported() => Enum.GetValues<KernelPath>().Where(IsSupported);
}
