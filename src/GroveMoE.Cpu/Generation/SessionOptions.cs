namespace GroveMoE.Cpu.Generation;

/// <summary>Resources a session reserves: KV cache length, worker threads, prompt batch size.</summary>
public sealed record SessionOptions
{
    public int ContextLength { get; init; } = 4096;

    public int Threads { get; init; } = Environment.ProcessorCount;

    /// <summary>Prompt tokens evaluated per forward call; larger batches read the weights fewer times.</summary>
    public int BatchSize { get; init; } = 64;
}
