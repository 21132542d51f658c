namespace GroveMoE.Cli.Output;

/// <summary>Whether stdout takes ANSI colour: a terminal, and NO_COLOR not set (no-color.org).</summary>
internal static class ColorOutput
{
    public static bool Stdout { get; } = !Console.IsOutputRedirected && string.IsNullOrEmpty(Environment.GetEnvironmentVariable("NO_COLOR"));
}
