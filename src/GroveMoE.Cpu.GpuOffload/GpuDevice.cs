using ILGPU;
using ILGPU.Runtime;
using ILGPU.Runtime.CPU;
using ILGPU.Runtime.Cuda;

namespace GroveMoE.Cpu.GpuOffload;

/// <summary>An ILGPU context with one accelerator: the first CUDA device, or ILGPU's CPU emulation when asked for (tests).</summary>
public sealed class GpuDevice : IDisposable
{
    private readonly Context _context;

    private GpuDevice(Context context, Accelerator accelerator)
    {
        _context = context;
        Accelerator = accelerator;
    }

    internal Accelerator Accelerator { get; }

    /// <summary>The accelerator's name.</summary>
    public string Name => Accelerator.Name;

    /// <summary>The accelerator's memory in bytes.</summary>
    public long MemoryBytes => Accelerator.MemorySize;

    /// <summary>True for a CUDA GPU, false for ILGPU's CPU emulation.</summary>
    public bool IsCuda => Accelerator.AcceleratorType == AcceleratorType.Cuda;

    /// <summary>The first CUDA device, or null (with the reason in <paramref name="why"/>) when there is none.</summary>
    public static GpuDevice? TryOpenCuda(out string why)
    {
        Context? context = null;
        try
        {
            context = Context.Create(builder => builder.Cuda());
            var devices = context.GetCudaDevices();
            if (devices.Count == 0)
            {
                context.Dispose();
                why = "no CUDA device found";
                return null;
            }
            why = "";
            return new GpuDevice(context, devices[0].CreateAccelerator(context));
        }
        catch (Exception e) when (e is AcceleratorException or DllNotFoundException or TypeInitializationException or NotSupportedException)
        {
            context?.Dispose();
            why = $"CUDA is not available ({e.Message})";
            return null;
        }
    }

    /// <summary>ILGPU's CPU accelerator: slow, for tests and for checking the kernels without a GPU.</summary>
    public static GpuDevice OpenCpu()
    {
        var context = Context.Create(builder => builder.CPU());
        return new GpuDevice(context, context.CreateCPUAccelerator(0));
    }

    /// <summary>Releases the accelerator and its ILGPU context.</summary>
    public void Dispose()
    {
        Accelerator.Dispose();
        _context.Dispose();
    }
}
