namespace GroveMoE.Cpu.Model;

/// <summary>The KV cache cannot hold the positions a call needs.</summary>
public sealed class ContextFullException(int capacity, int needed)
    : Exception($"the context is full: {needed} positions needed, the context holds {capacity}")
{
    /// <summary>Positions the context holds.</summary>
    public int Capacity { get; } = capacity;
    /// <summary>Positions the call needed.</summary>
    public int Needed { get; } = needed;
}
