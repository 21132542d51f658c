namespace GroveMoE.Cpu.GpuOffload;

/// <summary>Where the experts of offloaded layers live.</summary>
public enum GpuExpertPlacement
{
    /// <summary>On the host: the CPU runs the ffn norm, router and experts; only attention goes to the device.</summary>
    None,

    /// <summary>On the device for every offloaded layer; layers whose experts do not fit are not offloaded.</summary>
    All,

    /// <summary>On the device for as many offloaded layers as fit, from the first; the rest stay on the host.</summary>
    Hot,
}

/// <summary>What to offload: the first <see cref="Layers"/> layers, their experts per <see cref="Experts"/>.</summary>
/// <param name="Layers">How many of the first layers run on the device.</param>
/// <param name="Experts">Where the experts of those layers live.</param>
public sealed record GpuOffloadOptions(int Layers, GpuExpertPlacement Experts = GpuExpertPlacement.All)
{
    /// <summary>Device bytes this offload may allocate; null for all the device has.</summary>
    public long? MemoryBudgetBytes { get; init; }
}
