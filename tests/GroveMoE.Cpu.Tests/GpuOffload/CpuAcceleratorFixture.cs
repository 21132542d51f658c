using GroveMoE.Cpu.GpuOffload;
using GroveMoE.Cpu.GpuOffload.Kernels;

namespace GroveMoE.Cpu.Tests.GpuOffload;

/// <summary>One ILGPU CPU accelerator with the kernels compiled, shared by the GPU tests (CI has no GPU).</summary>
public sealed class CpuAcceleratorFixture : IDisposable
{
    public GpuDevice Device { get; } = GpuDevice.OpenCpu();
    internal KernelSet Kernels { get; }

    public CpuAcceleratorFixture() => Kernels = new KernelSet(Device.Accelerator);

    internal DeviceMemory Memory() => new(Device.Accelerator, long.MaxValue);

    public void Dispose() => Device.Dispose();
}

[CollectionDefinition(Name)]
public sealed class GpuCollection : ICollectionFixture<CpuAcceleratorFixture>
{
    public const string Name = "ILGPU CPU accelerator";
}
