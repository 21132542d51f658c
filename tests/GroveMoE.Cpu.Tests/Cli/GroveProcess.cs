using System.Diagnostics;

namespace GroveMoE.Cpu.Tests.Cli;

/// <summary>Runs the built <c>grove</c> CLI (grove.dll, copied next to the tests) or <c>grove-quantize</c> as a separate
/// process, stdout and stderr redirected as a script would.</summary>
public static class GroveProcess
{
    public sealed record Result(int ExitCode, string Stdout, string Stderr)
    {
        public string[] StderrLines => Stderr.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
    }

    public static Result Run(params string[] args) => Run(new Dictionary<string, string>(), args);

    /// <summary>Runs grove with extra environment variables (HF_ENDPOINT, HF_HUB_CACHE, ...).</summary>
    public static Result Run(IReadOnlyDictionary<string, string> environment, params string[] args) => Run(environment, null, args);

    /// <summary>Runs grove with <paramref name="stdin"/> piped to its standard input (null: inherited).</summary>
    public static Result Run(IReadOnlyDictionary<string, string> environment, string? stdin, params string[] args) =>
        RunTool("grove.dll", environment, stdin, args);

    /// <summary>Runs <c>grove-quantize</c>.</summary>
    public static Result Quantize(params string[] args) => RunTool("grove-quantize.dll", new Dictionary<string, string>(), null, args);

    private static Result RunTool(string tool, IReadOnlyDictionary<string, string> environment, string? stdin, string[] args)
    {
        var start = new ProcessStartInfo("dotnet")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = stdin is not null,
            UseShellExecute = false,
        };
        start.ArgumentList.Add(Path.Combine(AppContext.BaseDirectory, tool));
        foreach (var a in args) start.ArgumentList.Add(a);
        start.Environment["NO_COLOR"] = "1";
        foreach (var (name, value) in environment) start.Environment[name] = value;
        using var process = Process.Start(start)!;
        if (stdin is not null)
        {
            process.StandardInput.Write(stdin);
            process.StandardInput.Close();
        }
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        if (!process.WaitForExit(60_000))
        {
            process.Kill(entireProcessTree: true);
            throw new TimeoutException($"{tool} {string.Join(' ', args)} did not finish");
        }
        return new Result(process.ExitCode, stdout.Result, stderr.Result);
    }
}
