namespace GroveMoE.Cpu.Generation;

/// <summary>Resources a session reserves: KV cache length, worker threads, prompt batch size.</summary>
public sealed record SessionOptions
{
    /// <summary>Positions of the KV cache (prompt plus answer); its memory is checked before it is allocated.</summary>
    public int ContextLength { get; init; } = 4096;

    /// <summary>Worker threads of the forward pass, the caller's included.</summary>
    public int Threads { get; init; } = Environment.ProcessorCount;

    /// <summary>Prompt tokens evaluated per forward call; larger batches read the weights fewer times.</summary>
    public int BatchSize { get; init; } = 64;

    /// <summary>F16 (the default, as llama.cpp's) halves the memory and reads faster at long contexts, moving the logits far
    /// less than weight quantization does (bench/README.md, "Speed II: attention"); F32 keeps keys and values exact, so
    /// sessions match <c>grove logits</c>.</summary>
    public Model.KvCacheType KvCacheType { get; init; } = Model.KvCacheType.F16;

    /// <summary>
    /// Creates the backend that runs some layers elsewhere (e.g. <c>GroveMoE.Cpu.GpuOffload</c>'s GPU offload) for a
    /// session with these options (its context length and batch size bound the offload's buffers); null, or a factory
    /// returning null, runs every layer on the CPU. The session owns what the factory returns and disposes it.
    /// </summary>
    public Func<Model.GroveModel, SessionOptions, Model.ILayerOffload?>? LayerOffload { get; init; }
}
