using Spectre.Console;
using System.CommandLine;
using GroveMoE.Cpu.CommandLine;
using GroveMoE.Cpu.Generation;
using GroveMoE.Cpu.Model;

namespace GroveMoE.Cli.Commands;

/// <summary>Options every command that loads a model shares.</summary>
internal static class ModelOptions
{
    public static Option<FileInfo> RequiredModel() => new("--model", "-m")
    {
        Description = "GroveMoE GGUF file",
        Required = true,
    };

    public static Option<FileInfo?> OptionalModel() => new("--model", "-m")
    {
        Description = "GroveMoE GGUF file (default: the built-in demo model with random weights)",
    };

    public static Option<int> Threads() => new Option<int>("--threads", "-t")
    {
        Description = "worker threads (default: all cores)",
        DefaultValueFactory = _ => Environment.ProcessorCount,
    }.InRange(1, MaxThreads);

    private const int MaxThreads = 4096;

    /// <summary><c>-n</c>: a number of tokens, or -1 for no limit but the context (as llama.cpp).</summary>
    public static Option<int> TokenLimit(string description, int defaultValue)
    {
        var option = new Option<int>("--n-predict", "-n") { Description = description + "; -1: until the context is full", DefaultValueFactory = _ => defaultValue };
        option.CustomParser = result =>
        {
            string token = result.Tokens.Count > 0 ? result.Tokens[^1].Value : "";
            if (int.TryParse(token, System.Globalization.NumberStyles.AllowLeadingSign, System.Globalization.CultureInfo.InvariantCulture, out int n))
            {
                if (n == -1) return int.MaxValue;
                if (n >= 1) return n;
            }
            result.AddError($"--n-predict must be a whole number from 1 to {int.MaxValue}, or -1 for no limit, not '{token}'");
            return 0;
        };
        return option;
    }

    public static Option<int> Context() => new Option<int>("--ctx", "-c")
    {
        Description = "context length in tokens (its KV cache is checked against memory before it is allocated)",
        DefaultValueFactory = _ => 4096,
    }.InRange(16, int.MaxValue);

    public static Option<bool> NoRepack() => new("--no-repack")
    {
        Description = "read every weight zero-copy from the mapped file instead of repacking the quantized matrices into the faster tiled layout at load",
    };

    public static Option<KvCacheType> KvCache() => new Option<KvCacheType>("--kv-type")
    {
        Description = "KV cache element type: F16 (half the memory, and faster at long contexts) or F32 (exact)",
        DefaultValueFactory = _ => KvCacheType.F16,
    }.OneOf();

    /// <summary>The options that size a session: threads, context, KV cache type and GPU offload.</summary>
    public sealed class SessionGroup
    {
        private readonly Option<int> _threads = Threads();
        private readonly Option<int> _context = Context();
        private readonly Option<KvCacheType> _kvCache = KvCache();
        private readonly Option<int> _gpuLayers = GpuLayers();
        private readonly Option<GpuExpertsMode> _gpuExperts = GpuExperts();

        public void AddTo(Command command)
        {
            foreach (var option in new Option[] { _threads, _context, _kvCache, _gpuLayers, _gpuExperts }) command.Options.Add(option);
        }

        public SessionOptions Read(ParseResult parse)
        {
            int t = parse.GetValue(_threads), c = parse.GetValue(_context), gpuLayers = parse.GetValue(_gpuLayers);
            var gpuExperts = parse.GetValue(_gpuExperts);
            t = CapThreads(t);
            return new SessionOptions
            {
                Threads = t,
                ContextLength = c,
                KvCacheType = parse.GetValue(_kvCache),
                LayerOffload = gpuLayers == 0 ? null
                    : (model, session) => Gpu.GpuOffloadSetup.Create(model, gpuLayers, gpuExperts, session.ContextLength, session.BatchSize),
            };
        }
    }

    /// <summary>How many of the first layers run on the GPU (0: none, the GPU assembly is not even loaded).</summary>
    public static Option<int> GpuLayers() => new Option<int>("--gpu-layers", "-ngl")
    {
        Description = "offload the first N layers (attention, norms, router, experts) to a CUDA GPU through ILGPU",
        DefaultValueFactory = _ => 0,
    }.InRange(0, 100_000);

    /// <summary>Where the experts of offloaded layers live: none (host, CPU path), all (device), hot (device while they fit).</summary>
    public static Option<GpuExpertsMode> GpuExperts() => new Option<GpuExpertsMode>("--gpu-experts")
    {
        Description = "experts of offloaded layers on the GPU: all, none (kept in host memory, run on the CPU) or hot (on the GPU while they fit)",
        DefaultValueFactory = _ => GpuExpertsMode.All,
    }.OneOf();

    /// <summary>
    /// More workers than cores only makes them wait for each other (issue 14: -t 1000 on 2 cores did not finish two
    /// tokens in 120 s), so the count is capped at the cores with a note.
    /// </summary>
    public static int CapThreads(int threads)
    {
        if (threads <= Environment.ProcessorCount) return threads;
        StandardError.Line($"note: --threads {threads} is more than the {Environment.ProcessorCount} cores; using {Environment.ProcessorCount}");
        return Environment.ProcessorCount;
    }
}

/// <summary>
/// Where <c>--gpu-experts</c> keeps the experts of offloaded layers: the GPU assembly's own enum would load that
/// assembly while parsing, which a CPU-only run never does.
/// </summary>
internal enum GpuExpertsMode
{
    All,
    None,
    Hot,
}
