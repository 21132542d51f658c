using System.CommandLine;
using GroveMoE.Cpu.Gguf;
using GroveMoE.Cpu.Model;
using GroveMoE.Cpu.Conversion.SafeTensors;

namespace GroveMoE.Cpu.CommandLine;

/// <summary>
/// Runs a command-line root: parse errors and every failure a user can cause become one line on stderr and
/// exit code 1; a bug becomes one line asking for a report (the stack trace only with GROVE_TRACE=1).
/// </summary>
internal static class CommandLineApp
{
    /// <param name="describeOwn">The tool's own user-facing failures (exceptions of a layer only it has), or null for a bug.</param>
    public static int Run(RootCommand root, string[] args, Func<Exception, string?>? describeOwn = null) =>
        RunAsync(root, args, describeOwn).GetAwaiter().GetResult();

    /// <inheritdoc cref="Run"/>
    public static async Task<int> RunAsync(RootCommand root, string[] args, Func<Exception, string?>? describeOwn = null)
    {
        var parsed = root.Parse(args);
        if (parsed.Errors.Count > 0)
        {
            StandardError.Line($"error: {ParseErrorMessage(root, args, parsed)} (see --help)");
            return 1;
        }
        try
        {
            return await parsed.InvokeAsync(new InvocationConfiguration
            {
                EnableDefaultExceptionHandler = false,
                ProcessTerminationTimeout = null, // Ctrl-C: commands that can stop early handle it themselves
            });
        }
        catch (Exception e)
        {
            string? message = Describe(e) ?? describeOwn?.Invoke(e is AggregateException { InnerExceptions.Count: 1 } a ? a.InnerException! : e);
            StandardError.Line($"error: {message ?? BugReport(e)}");
            if (Environment.GetEnvironmentVariable("GROVE_TRACE") == "1") StandardError.Trace(e);
            return message is null ? BugExitCode : 1;
        }
    }

    /// <summary>
    /// The first parse error in the user's words: an unknown command is named as such (System.CommandLine says
    /// "Required command was not provided"), and a value that does not convert does not name a .NET type.
    /// </summary>
    private static string ParseErrorMessage(RootCommand root, string[] args, ParseResult parsed)
    {
        var commands = root.Subcommands.Where(c => !c.Hidden).Select(c => c.Name).ToList();
        if (commands.Count > 0 && args.FirstOrDefault() is { } first && !first.StartsWith('-')
            && !root.Subcommands.Any(c => c.Name == first || c.Aliases.Contains(first)))
            return $"unknown command '{first}'; the commands are {string.Join(", ", commands)}";
        string message = parsed.Errors.Select(e => e.Message).FirstOrDefault(m => !m.StartsWith("Required command", StringComparison.Ordinal))
            ?? parsed.Errors[0].Message;
        var typed = System.Text.RegularExpressions.Regex.Match(message, "^Cannot parse argument '(.*)' for option '(.*)' as expected type '.*'");
        return typed.Success ? $"'{typed.Groups[1].Value}' is not a valid value for {typed.Groups[2].Value}" : message;
    }

    /// <summary>EX_SOFTWARE from sysexits.h: what a failure that no input should cause exits with, so scripts and fuzzers can tell.</summary>
    public const int BugExitCode = 70;

    /// <summary>One line for an exception no input should cause: what it was and where, for a bug report.</summary>
    [System.Diagnostics.CodeAnalysis.UnconditionalSuppressMessage("Trimming", "IL2026",
        Justification = "The method's name is a nicety of the report; a trimmed build without its metadata leaves it out.")]
    public static string BugReport(Exception e)
    {
        string where = e.TargetSite is { } site ? $" in {site.DeclaringType?.Name}.{site.Name}" : "";
        string message = e.Message.ReplaceLineEndings(" ");
        return $"internal error, please report it: {e.GetType().Name}{where}: {message} (GROVE_TRACE=1 shows the stack trace)";
    }

    /// <summary>The one-line message for an exception a user can cause, or null for a bug.</summary>
    public static string? Describe(Exception e) => e switch
    {
        AggregateException { InnerExceptions.Count: 1 } a => Describe(a.InnerException!),
        FileNotFoundException { FileName: { } path } when Directory.Exists(path) => $"{path} is a directory, not a file",
        FileNotFoundException f => $"file not found: {f.FileName ?? f.Message}",
        DirectoryNotFoundException d => d.Message,
        GgufFormatException or GgufMissingTensorException or GgufMissingKeyException or ModelFormatException or ContextFullException
            or UserInputException or SafeTensorsFormatException or InsufficientMemoryException
            or GroveMoE.Cpu.Hub.HubException => e.Message,
        UnauthorizedAccessException or IOException => e.Message,
        OperationCanceledException => "cancelled",
        _ => null,
    };
}
