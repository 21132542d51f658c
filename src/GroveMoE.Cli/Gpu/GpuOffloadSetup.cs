using GroveMoE.Cpu.CommandLine;
using System.Runtime.CompilerServices;
using GroveMoE.Cli.Output;
using GroveMoE.Cpu.GpuOffload;
using GroveMoE.Cpu.Model;
using ILGPU;
using ILGPU.Runtime;

namespace GroveMoE.Cli.Gpu;

/// <summary>
/// Turns <c>--gpu-layers</c> / <c>--gpu-experts</c> into a layer offload for <see cref="GroveForward"/>. With
/// --gpu-layers 0 the GPU assembly and ILGPU are never loaded; without CUDA it says so in one line and the CPU runs.
/// </summary>
internal static class GpuOffloadSetup
{
    /// <summary>An offload sized for a forward pass of <paramref name="contextLength"/> positions evaluating up to
    /// <paramref name="batchSize"/> tokens per call; null when nothing is offloaded.</summary>
    public static ILayerOffload? Create(GroveModel model, int gpuLayers, Commands.GpuExpertsMode gpuExperts, int contextLength, int batchSize) =>
        gpuLayers == 0 ? null : CreateOnDevice(model, gpuLayers, gpuExperts, contextLength, batchSize);

    [MethodImpl(MethodImplOptions.NoInlining)]
    private static ILayerOffload? CreateOnDevice(GroveModel model, int gpuLayers, Commands.GpuExpertsMode gpuExperts, int contextLength, int batchSize)
    {
        var placement = gpuExperts switch
        {
            Commands.GpuExpertsMode.None => GpuExpertPlacement.None,
            Commands.GpuExpertsMode.Hot => GpuExpertPlacement.Hot,
            _ => GpuExpertPlacement.All,
        };
        // ILGPU's CPU emulation only when asked for explicitly: it checks the kernels (and a trimmed publish) without a GPU.
        string why = "";
        var device = Environment.GetEnvironmentVariable("GROVE_GPU_EMULATE") == "1" ? GpuDevice.OpenCpu() : GpuDevice.TryOpenCuda(out why);
        if (device is null)
        {
            StandardError.Line($"note: {why}; running every layer on the CPU");
            return null;
        }
        try
        {
            var offload = GpuLayerOffload.Create(device, model, new GpuOffloadOptions(gpuLayers, placement), contextLength,
                batchSize, NoteLogger.Instance, ownsDevice: true);
            if (offload is not null)
            {
                StandardError.Line($"GPU {offload.DeviceName}: {offload.LayersOnDevice} of {model.Config.Layers} layers, "
                    + $"experts of {offload.ExpertLayersOnDevice}, {offload.DeviceBytes / (1024.0 * 1024):F0} MiB");
            }
            return offload;
        }
        catch (Exception e) when (e is AcceleratorException or InternalCompilerException)
        {
            device.Dispose();
            StandardError.Line($"note: the GPU kernels could not be set up ({e.Message}); running every layer on the CPU");
            return null;
        }
    }
}
