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
}
