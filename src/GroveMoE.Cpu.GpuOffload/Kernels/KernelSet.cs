using ILGPU;
using ILGPU.Runtime;

namespace GroveMoE.Cpu.GpuOffload.Kernels;

/// <summary>The <see cref="LayerKernels"/> compiled once for one accelerator.</summary>
internal sealed class KernelSet(Accelerator a)
{

    private readonly Action<KernelConfig, int, DeviceMatrix, DeviceActivations, ArrayView<float>, int> _matMul =
        a.LoadStreamKernel<int, DeviceMatrix, DeviceActivations, ArrayView<float>, int>(LayerKernels.MatMul);

    private readonly Action<KernelConfig, int, DeviceMatrix, DeviceMatrix, DeviceActivations, ArrayView<int>, int, DeviceActivations> _expertGateUp =
        a.LoadStreamKernel<int, DeviceMatrix, DeviceMatrix, DeviceActivations, ArrayView<int>, int, DeviceActivations>(LayerKernels.ExpertGateUp);

    private readonly Action<KernelConfig, int, DeviceMatrix, DeviceActivations, ArrayView<int>, ArrayView<float>> _expertDown =
        a.LoadStreamKernel<int, DeviceMatrix, DeviceActivations, ArrayView<int>, ArrayView<float>>(LayerKernels.ExpertDown);

    /// <summary>One warp per output, whole warps per group so every warp's lanes are all in range or all out.</summary>
    private KernelConfig WarpLaunch(int outputs)
    {
        int group = Math.Min(a.MaxNumThreadsPerGroup, a.WarpSize * 8);
        return new KernelConfig((int)((outputs * (long)a.WarpSize + group - 1) / group), group);
    }

    public void MatMul(int outputs, DeviceMatrix w, DeviceActivations x, ArrayView<float> output, int outputStride) =>
        _matMul(WarpLaunch(outputs), outputs, w, x, output, outputStride);

    public void ExpertGateUp(int outputs, DeviceMatrix gate, DeviceMatrix up, DeviceActivations x, ArrayView<int> experts, int k,
        DeviceActivations activation) => _expertGateUp(WarpLaunch(outputs), outputs, gate, up, x, experts, k, activation);

    public void ExpertDown(int outputs, DeviceMatrix down, DeviceActivations activation, ArrayView<int> experts, ArrayView<float> output) =>
        _expertDown(WarpLaunch(outputs), outputs, down, activation, experts, output);

    public readonly Action<Index1D, DeviceActivations> Quantize =
        a.LoadAutoGroupedStreamKernel<Index1D, DeviceActivations>(LayerKernels.Quantize);

    public readonly Action<Index1D, ArrayView<float>, ArrayView<float>, DeviceActivations, float> RmsNorm =
        a.LoadAutoGroupedStreamKernel<Index1D, ArrayView<float>, ArrayView<float>, DeviceActivations, float>(LayerKernels.RmsNorm);

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

    public readonly Action<Index1D, ArrayView<float>, int, int, ArrayView<float>, ArrayView<float>, ArrayView<float>,
        ArrayView<float>> AccumulateExperts =
        a.LoadAutoGroupedStreamKernel<Index1D, ArrayView<float>, int, int, ArrayView<float>, ArrayView<float>,
            ArrayView<float>, ArrayView<float>>(LayerKernels.AccumulateExperts);
}
