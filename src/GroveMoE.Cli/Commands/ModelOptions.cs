using System.CommandLine;
using GroveMoE.Cpu.CommandLine;
using GroveMoE.Cpu.Generation;

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

    public static SessionOptions Session(ParseResult parse, Option<int> threads, Option<int> context)
    {
        int t = parse.GetValue(threads), c = parse.GetValue(context);
        if (t < 1) throw new UserInputException("--threads must be at least 1");
        if (c < 16) throw new UserInputException("--ctx must be at least 16");
        return new SessionOptions { Threads = t, ContextLength = c };
    }
}
