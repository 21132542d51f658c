using GroveMoE.Cpu.Quantization;

namespace GroveMoE.Cpu.Kernels;

/// <summary>
/// Dot products of quantized weight rows with Q8-quantized activation rows, on the fastest path this CPU
/// supports (<see cref="KernelPaths.Best"/>). The path-taking overloads exist so tests and benchmarks can run
/// each path; the scalar path is the reference the others are tested against.
/// </summary>
internal static unsafe class QuantizedDot
{
    private static readonly KernelPath Best = KernelPaths.Best;

    public static float Q8_0(byte* row, sbyte* quants, float* scales, int* sums, int blocks) =>
        Q8_0(Best, row, new Q8Row(quants, scales, sums), blocks);

    public static float Q4_0(byte* row, sbyte* quants, float* scales, int* sums, int blocks) =>
        Q4_0(Best, row, new Q8Row(quants, scales, sums), blocks);

    internal static float Q4_0(byte* row, Q8Row x, int blocks) => Q4_0(Best, row, x, blocks);
    internal static float Q8_0(byte* row, Q8Row x, int blocks) => Q8_0(Best, row, x, blocks);
    internal static void Q4_0x4(byte* row, Q8Row* x, int blocks, float* results) => Q4_0x4(Best, row, x, blocks, results);
    internal static void Q8_0x4(byte* row, Q8Row* x, int blocks, float* results) => Q8_0x4(Best, row, x, blocks, results);

    internal static float Q4_0(KernelPath path, byte* row, Q8Row x, int blocks) => path switch
    {
        KernelPath.Vector512 => Q4_0Dot.Wide512(row, x, blocks),
        KernelPath.Vector256Vnni => Q4_0Dot.Wide256<AvxVnniByteDot>(row, x, blocks),
        KernelPath.Vector256 => Q4_0Dot.Wide256<Avx2ByteDot>(row, x, blocks),
        _ => Q4_0Dot.Scalar(row, x, blocks),
    };

    internal static float Q8_0(KernelPath path, byte* row, Q8Row x, int blocks) => path switch
    {
        KernelPath.Vector512 => Q8_0Dot.Wide512(row, x, blocks),
        KernelPath.Vector256Vnni => Q8_0Dot.Wide256<AvxVnniByteDot>(row, x, blocks),
        KernelPath.Vector256 => Q8_0Dot.Wide256<Avx2ByteDot>(row, x, blocks),
        _ => Q8_0Dot.Scalar(row, x, blocks),
    };

    /// <summary>results[k] = row · x[k] for k &lt; 4.</summary>
    internal static void Q4_0x4(KernelPath path, byte* row, Q8Row* x, int blocks, float* results)
    {
        switch (path)
        {
            case KernelPath.Vector512: Q4_0Dot.Wide512x4(row, x, blocks, results); break;
            case KernelPath.Vector256Vnni: Q4_0Dot.Wide256x4<AvxVnniByteDot>(row, x, blocks, results); break;
            case KernelPath.Vector256: Q4_0Dot.Wide256x4<Avx2ByteDot>(row, x, blocks, results); break;
            default: Q4_0Dot.Scalar4(row, x, blocks, results); break;
        }
    }

    /// <summary>results[k] = row · x[k] for k &lt; 4.</summary>
    internal static void Q8_0x4(KernelPath path, byte* row, Q8Row* x, int blocks, float* results)
    {
        switch (path)
        {
            case KernelPath.Vector512: Q8_0Dot.Wide512x4(row, x, blocks, results); break;
            case KernelPath.Vector256Vnni: Q8_0Dot.Wide256x4<AvxVnniByteDot>(row, x, blocks, results); break;
            case KernelPath.Vector256: Q8_0Dot.Wide256x4<Avx2ByteDot>(row, x, blocks, results); break;
            default: Q8_0Dot.Scalar4(row, x, blocks, results); break;
        }
    }

    /// <summary>The formats that have an integer dot kernel but no four-row form.</summary>
    public static bool HasRowKernel(GgmlType type) =>
        type is GgmlType.Q4_K or GgmlType.Q5_K or GgmlType.Q6_K or GgmlType.IQ4_XS or GgmlType.IQ4_NL;

    internal static float Row(GgmlType type, byte* row, Q8Row x, int blocks) => Row(Best, type, row, x, blocks);

    /// <summary>row · x for the <see cref="HasRowKernel"/> formats; <paramref name="blocks"/> counts the activation row's blocks of 32.</summary>
    internal static float Row(KernelPath path, GgmlType type, byte* row, Q8Row x, int blocks)
    {
        int superBlocks = blocks / 8;
        return path switch
        {
            KernelPath.Vector256Vnni => Vector<AvxVnniByteDot>(type, row, x, blocks, superBlocks),
            KernelPath.Vector256 or KernelPath.Vector512 => Vector<Avx2ByteDot>(type, row, x, blocks, superBlocks),
            _ => type switch
            {
                GgmlType.Q4_K => KQuantDot.Q4_KScalar(row, x, superBlocks),
                GgmlType.Q5_K => KQuantDot.Q5_KScalar(row, x, superBlocks),
                GgmlType.Q6_K => Q6_KDot.Scalar(row, x, superBlocks),
                GgmlType.IQ4_XS => NonLinearDot.IQ4_XSScalar(row, x, superBlocks),
                GgmlType.IQ4_NL => NonLinearDot.IQ4_NLScalar(row, x, blocks),
                _ => throw new ArgumentOutOfRangeException(nameof(type), type, "no row kernel"),
            },
        };
    }

    private static float Vector<TDot>(GgmlType type, byte* row, Q8Row x, int blocks, int superBlocks) where TDot : IByteDot256 => type switch
    {
        GgmlType.Q4_K => KQuantDot.Q4_K<TDot>(row, x, superBlocks),
        GgmlType.Q5_K => KQuantDot.Q5_K<TDot>(row, x, superBlocks),
        GgmlType.Q6_K => Q6_KDot.Wide256<TDot>(row, x, superBlocks),
        GgmlType.IQ4_XS => NonLinearDot.IQ4_XS<TDot>(row, x, superBlocks),
        GgmlType.IQ4_NL => NonLinearDot.IQ4_NL<TDot>(row, x, blocks),
        _ => throw new ArgumentOutOfRangeException(nameof(type), type, "no row kernel"),
    };
}
