namespace GroveMoE.Cpu.Model;

/// <summary>The KV cache cannot hold the positions a call needs.</summary>
public sealed class ContextFullException(int capacity, int needed)
    : Exception($"the context is full: {needed} positions needed, the context holds {capacity}")
{
    public int Capacity { get; } = capacity;
    public int Needed { get; } = needed;
}
