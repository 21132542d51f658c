namespace GroveMoE.Cpu.Kernels;

/// <summary>
/// One Q8-quantized activation row as the dot kernels read it: 32 quants, a scale and a quant sum per block, and the
/// sum of each block's first 16 quants (for formats with scales per 16, <see cref="Formats.IQuantFormat.SplitScales"/>).
/// </summary>
internal readonly unsafe struct Q8Row(sbyte* quants, float* scales, int* sums, int* lowSums = null)
{
    public readonly sbyte* Quants = quants;
    public readonly float* Scales = scales;
    public readonly int* Sums = sums;
    public readonly int* LowSums = lowSums;
}
