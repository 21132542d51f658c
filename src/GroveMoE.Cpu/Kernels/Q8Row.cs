namespace GroveMoE.Cpu.Kernels;

/// <summary>One Q8-quantized activation row as the dot kernels read it: 32 quants, a scale and a quant sum per block.</summary>
internal readonly unsafe struct Q8Row(sbyte* quants, float* scales, int* sums)
{
    public readonly sbyte* Quants = quants;
    public readonly float* Scales = scales;
    public readonly int* Sums = sums;
}
