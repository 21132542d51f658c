using Spectre.Console;

namespace GroveMoE.Cpu.CommandLine;

/// <summary>
/// The one way both tools write to stderr: a Spectre console there, so notices, errors and progress never mix with
/// the text written to stdout.
/// </summary>
internal static class StandardError
{
    public static IAnsiConsole Console { get; } = Create();

    /// <summary>
    /// One line of plain text, never wrapped and never read as markup: errors and notes a script may read, which must
    /// stay one line whatever the terminal's width (Spectre wraps rendered text at the console's width).
    /// </summary>
    public static void Line(string text)
    {
        var writer = Console.Profile.Out.Writer;
        writer.WriteLine(text.ReplaceLineEndings(" "));
        writer.Flush();
    }

    /// <summary>An exception's full text with its stack trace (GROVE_TRACE=1), as it is.</summary>
    public static void Trace(Exception e)
    {
        Console.Profile.Out.Writer.WriteLine(e);
        Console.Profile.Out.Writer.Flush();
    }

    private static IAnsiConsole Create()
    {
        var console = AnsiConsole.Create(new AnsiConsoleSettings { Out = new AnsiConsoleOutput(System.Console.Error) });
        PipeWidth.Apply(console, System.Console.IsErrorRedirected);
        return console;
    }
}
