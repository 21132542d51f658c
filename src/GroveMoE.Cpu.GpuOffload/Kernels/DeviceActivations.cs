using ILGPU;

namespace GroveMoE.Cpu.GpuOffload.Kernels;

/// <summary>
/// Activation rows on the device in float and in Q8 blocks of 32 (quants, scale, sum of quants), the two forms
/// the weight types need, laid out like the CPU runtime's <c>BatchInput</c>. Passed to kernels by value.
/// </summary>
internal struct DeviceActivations
{
    public ArrayView<float> Floats;
    public ArrayView<sbyte> Quants;
    public ArrayView<float> Scales;
    public ArrayView<int> Sums;
    public int Columns;

    public readonly int Blocks => Columns / 32;
}
