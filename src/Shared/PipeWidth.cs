using Spectre.Console;

namespace GroveMoE.Cpu.CommandLine;

/// <summary>
/// Spectre assumes 80 columns when output is not a terminal and wraps tables and stats lines there; piped output
/// should keep each line whole for the program reading it.
/// </summary>
internal static class PipeWidth
{
    private const int Unlimited = 32_767;

    public static void Apply(IAnsiConsole console, bool redirected)
    {
        if (redirected) console.Profile.Width = Unlimited;
    }
}
