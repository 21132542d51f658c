using System.CommandLine;
using GroveMoE.Cpu.Gguf;
using GroveMoE.Cpu.Model;
using GroveMoE.Cpu.SafeTensors;

namespace GroveMoE.Cpu.CommandLine;

/// <summary>
/// Runs a command-line root: parse errors and every failure a user can cause become one line on stderr and
/// exit code 1; only a bug shows a stack trace.
/// </summary>
internal static class CommandLineApp
{
    public static int Run(RootCommand root, string[] args)
    {
        var parsed = root.Parse(args);
        if (parsed.Errors.Count > 0)
        {
            Console.Error.WriteLine($"error: {parsed.Errors[0].Message} (see --help)");
            return 1;
        }
        try
        {
            return parsed.Invoke(new InvocationConfiguration
            {
                EnableDefaultExceptionHandler = false,
                ProcessTerminationTimeout = null, // Ctrl-C: commands that can stop early handle it themselves
            });
        }
        catch (Exception e) when (Describe(e) is { } message)
        {
            Console.Error.WriteLine($"error: {message}");
            return 1;
        }
    }

    /// <summary>The one-line message for an exception a user can cause, or null for a bug.</summary>
    public static string? Describe(Exception e) => e switch
    {
        FileNotFoundException f => $"file not found: {f.FileName ?? f.Message}",
        DirectoryNotFoundException d => d.Message,
        GgufFormatException or GgufMissingTensorException or ModelFormatException or ContextFullException or UserInputException
            or SafeTensorsFormatException or GroveMoE.Cpu.Hub.HubException => e.Message,
        UnauthorizedAccessException or IOException => e.Message,
        OperationCanceledException => "cancelled",
        _ => null,
    };
}
