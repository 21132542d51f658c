using System.CommandLine;

namespace GroveMoE.Cli.Commands;

/// <summary>Options every command that loads a model shares.</summary>
internal static class ModelOptions
{
    public static Option<FileInfo> RequiredModel() => new("--model", "-m")
    {
        Description = "GroveMoE GGUF file",
        Required = true,
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
}
