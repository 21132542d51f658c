using GroveMoE.Cpu.Gguf;
using GroveMoE.Cpu.GpuOffload.Kernels;
using GroveMoE.Cpu.Model;
using ILGPU;

namespace GroveMoE.Cpu.GpuOffload;

/// <summary>One expert stack (gate, up, down of every expert) on the device.</summary>
internal sealed record DeviceExperts(DeviceMatrix Gate, DeviceMatrix Up, DeviceMatrix Down)
{
    public static DeviceExperts Upload(DeviceMemory memory, GgufTensor gate, GgufTensor up, GgufTensor down) =>
        new(memory.Upload(gate), memory.Upload(up), memory.Upload(down));
}

/// <summary>The device side of one offloaded layer: its attention weights, its KV cache and, when they fit, its experts.</summary>
internal sealed class DeviceLayer
{
    public required ArrayView<float> AttnNorm { get; init; }
    public required DeviceMatrix Q { get; init; }
    public required DeviceMatrix K { get; init; }
    public required DeviceMatrix V { get; init; }
    public required DeviceMatrix O { get; init; }
    /// <summary>q_norm then k_norm.</summary>
    public required ArrayView<float> HeadNorms { get; init; }
    public required ArrayView<float> Keys { get; init; }
    public required ArrayView<float> Values { get; init; }

    public ArrayView<float> FfnNorm { get; private set; }
    public DeviceMatrix Router { get; private set; }
    public DeviceExperts? Experts { get; private set; }
    public DeviceExperts? Adjugates { get; private set; }
    public bool HasExperts => Adjugates is not null;

    public static DeviceLayer UploadAttention(DeviceMemory memory, LayerTensors w, GroveConfig c, int capacity) => new()
    {
        AttnNorm = memory.Upload(w.AttnNorm),
        Q = memory.Upload(w.Q),
        K = memory.Upload(w.K),
        V = memory.Upload(w.V),
        O = memory.Upload(w.O),
        HeadNorms = memory.Upload<float>([.. w.QNorm, .. w.KNorm]),
        Keys = memory.Allocate<float>((long)capacity * c.KvDim),
        Values = memory.Allocate<float>((long)capacity * c.KvDim),
    };

    /// <summary>Uploads the ffn norm, router and both expert stacks; on failure the layer keeps none of them.</summary>
    public void UploadExperts(DeviceMemory memory, LayerTensors w)
    {
        FfnNorm = memory.Upload(w.FfnNorm);
        Router = memory.Upload(w.Router);
        Experts = DeviceExperts.Upload(memory, w.GateExperts, w.UpExperts, w.DownExperts);
        Adjugates = DeviceExperts.Upload(memory, w.GateAdjugates, w.UpAdjugates, w.DownAdjugates);
    }
}
