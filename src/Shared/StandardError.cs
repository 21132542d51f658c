using Spectre.Console;

namespace GroveMoE.Cli.Output;

/// <summary>A Spectre console on stderr, so notices and progress never mix with text written to stdout.</summary>
internal static class StandardError
{
    public static IAnsiConsole Console { get; } = Create();

    private static IAnsiConsole Create()
    {
        var console = AnsiConsole.Create(new AnsiConsoleSettings { Out = new AnsiConsoleOutput(System.Console.Error) });
        PipeWidth.Apply(console, System.Console.IsErrorRedirected);
        return console;
    }
}
