using ILGPU;
using ILGPU.Runtime;

namespace GroveMoE.Cpu.Gpu.Kernels;

/// <summary>The <see cref="LayerKernels"/> compiled once for one accelerator.</summary>
internal sealed class KernelSet(Accelerator a)
{
    public readonly Action<Index1D, DeviceActivations> Quantize =
        a.LoadAutoGroupedStreamKernel<Index1D, DeviceActivations>(LayerKernels.Quantize);

    public readonly Action<Index1D, ArrayView<float>, ArrayView<float>, DeviceActivations, float> RmsNorm =
        a.LoadAutoGroupedStreamKernel<Index1D, ArrayView<float>, ArrayView<float>, DeviceActivations, float>(LayerKernels.RmsNorm);

    public readonly Action<Index1D, DeviceMatrix, DeviceActivations, ArrayView<float>, int> MatMul =
        a.LoadAutoGroupedStreamKernel<Index1D, DeviceMatrix, DeviceActivations, ArrayView<float>, int>(LayerKernels.MatMul);

    public readonly Action<Index1D, ArrayView<float>, ArrayView<float>, ArrayView<float>, ArrayView<float>, ArrayView<float>,
        ArrayView<float>, ArrayView<float>, AttentionShape> HeadNormRope =
        a.LoadAutoGroupedStreamKernel<Index1D, ArrayView<float>, ArrayView<float>, ArrayView<float>, ArrayView<float>,
            ArrayView<float>, ArrayView<float>, ArrayView<float>, AttentionShape>(LayerKernels.HeadNormRope);

    public readonly Action<Index1D, ArrayView<float>, ArrayView<float>, ArrayView<float>, ArrayView<float>, DeviceActivations,
        AttentionShape> Attention =
        a.LoadAutoGroupedStreamKernel<Index1D, ArrayView<float>, ArrayView<float>, ArrayView<float>, ArrayView<float>,
            DeviceActivations, AttentionShape>(LayerKernels.Attention);

    public readonly Action<Index1D, ArrayView<float>, ArrayView<float>> AddInPlace =
        a.LoadAutoGroupedStreamKernel<Index1D, ArrayView<float>, ArrayView<float>>(LayerKernels.AddInPlace);

    public readonly Action<Index1D, ArrayView<float>, int, int, int, float, ArrayView<int>, ArrayView<float>, ArrayView<int>,
        ArrayView<float>, ArrayView<int>> Route =
        a.LoadAutoGroupedStreamKernel<Index1D, ArrayView<float>, int, int, int, float, ArrayView<int>, ArrayView<float>,
            ArrayView<int>, ArrayView<float>, ArrayView<int>>(LayerKernels.Route);

    public readonly Action<Index1D, DeviceMatrix, DeviceMatrix, DeviceActivations, ArrayView<int>, int, DeviceActivations> ExpertGateUp =
        a.LoadAutoGroupedStreamKernel<Index1D, DeviceMatrix, DeviceMatrix, DeviceActivations, ArrayView<int>, int,
            DeviceActivations>(LayerKernels.ExpertGateUp);

    public readonly Action<Index1D, DeviceMatrix, DeviceActivations, ArrayView<int>, ArrayView<float>> ExpertDown =
        a.LoadAutoGroupedStreamKernel<Index1D, DeviceMatrix, DeviceActivations, ArrayView<int>, ArrayView<float>>(LayerKernels.ExpertDown);

    public readonly Action<Index1D, ArrayView<float>, int, int, ArrayView<float>, ArrayView<float>, ArrayView<float>,
        ArrayView<float>> AccumulateExperts =
        a.LoadAutoGroupedStreamKernel<Index1D, ArrayView<float>, int, int, ArrayView<float>, ArrayView<float>,
            ArrayView<float>, ArrayView<float>>(LayerKernels.AccumulateExperts);
}
