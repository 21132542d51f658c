using GroveMoE.Cpu;
using GroveMoE.Cpu.AI;
using GroveMoE.Cpu.Generation;

namespace GroveMoE.Cli.Serving;

/// <summary>What the server builds once its model has loaded: the shared sessions and the endpoints over them.</summary>
internal sealed class ServedModel : IDisposable
{
    public ServedModel(LanguageModel model, ServeOptions options, Turns turns)
    {
        EnsureCacheFits(model, options);
        Model = model;
        Pool = new SessionPool(model, options.Parallel, options.Session);
        var client = new GroveChatClient(Pool, new GroveChatClientOptions { Generation = options.Generation, Thinking = options.Thinking });
        Chat = new ChatCompletionsEndpoint(client, model.Name, turns, options.Debug);
        Completions = new CompletionsEndpoint(Pool, client, model.Name, turns, options.Debug);
    }

    public LanguageModel Model { get; }
    public SessionPool Pool { get; }
    public ChatCompletionsEndpoint Chat { get; }
    public CompletionsEndpoint Completions { get; }

    /// <summary>
    /// Refuses, at start-up, a context whose KV caches cannot fit in memory, rather than a server that fails every
    /// request once the caches fill.
    /// </summary>
    private static void EnsureCacheFits(LanguageModel model, ServeOptions options)
    {
        long perSession = model.Model.Config.KvCacheBytes(options.Session.ContextLength, options.Session.KvCacheType);
        double needed = (double)perSession * options.Parallel;
        long available = GC.GetGCMemoryInfo().TotalAvailableMemoryBytes;
        if (needed > available)
            throw new ServeOptionsException($"--ctx {options.Session.ContextLength} × --parallel {options.Parallel} needs {needed / (1 << 30):F1} GiB "
                + $"of KV cache but this machine has {available / (double)(1 << 30):F1} GiB; lower --ctx or --parallel");
    }

    public void Dispose() => Pool.Dispose();
}
