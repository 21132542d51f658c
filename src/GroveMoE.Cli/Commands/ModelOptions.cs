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

    public static Option<int> Threads() => new("--threads", "-t")
    {
        Description = "worker threads (default: all cores)",
        DefaultValueFactory = _ => Environment.ProcessorCount,
    };

    public static Option<int> Context() => new("--ctx", "-c")
    {
        Description = "context length in tokens",
        DefaultValueFactory = _ => 4096,
    };

    public static Option<bool> NoRepack() => new("--no-repack")
    {
        Description = "read every weight zero-copy from the mapped file instead of repacking Q4_0/Q8_0 into the faster tiled layout at load",
    };

    public static Option<KvCacheType> KvCache() => new("--kv-type")
    {
        Description = "KV cache element type: F32 (exact) or F16 (half the memory)",
        DefaultValueFactory = _ => KvCacheType.F32,
    };

    /// <summary>The options that size a session: threads, context, KV cache type and GPU offload.</summary>
    public sealed class SessionGroup
    {
        private readonly Option<int> _threads = Threads();
        private readonly Option<int> _context = Context();
        private readonly Option<KvCacheType> _kvCache = KvCache();
        private readonly Option<int> _gpuLayers = GpuLayers();
        private readonly Option<string> _gpuExperts = GpuExperts();

        public void AddTo(Command command)
        {
            foreach (var option in new Option[] { _threads, _context, _kvCache, _gpuLayers, _gpuExperts }) command.Options.Add(option);
        }

        public SessionOptions Read(ParseResult parse)
        {
            int t = parse.GetValue(_threads), c = parse.GetValue(_context), gpuLayers = parse.GetValue(_gpuLayers);
            string gpuExperts = parse.GetRequiredValue(_gpuExperts);
            if (t < 1) throw new UserInputException("--threads must be at least 1");
            if (c < 16) throw new UserInputException("--ctx must be at least 16");
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
    public static Option<int> GpuLayers()
    {
        var option = new Option<int>("--gpu-layers", "-ngl")
        {
            Description = "offload the first N layers (attention, norms, router, experts) to a CUDA GPU through ILGPU",
            DefaultValueFactory = _ => 0,
        };
        option.Validators.Add(result =>
        {
            if (result.GetValueOrDefault<int>() < 0) result.AddError("--gpu-layers must be 0 or more");
        });
        return option;
    }

    /// <summary>Where the experts of offloaded layers live: none (host, CPU path), all (device), hot (device while they fit).</summary>
    public static Option<string> GpuExperts()
    {
        var option = new Option<string>("--gpu-experts")
        {
            Description = "experts of offloaded layers on the GPU: all, none (kept in host memory, run on the CPU) or hot (on the GPU while they fit)",
            DefaultValueFactory = _ => "all",
        };
        option.Validators.Add(result =>
        {
            if (result.GetValueOrDefault<string>() is not ("none" or "all" or "hot"))
                result.AddError("--gpu-experts must be none, all or hot");
        });
        return option;
    }
}
