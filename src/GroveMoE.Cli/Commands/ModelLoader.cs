using GroveMoE.Cpu.CommandLine;
using GroveMoE.Cli.Output;
using GroveMoE.Cpu;
using GroveMoE.Cpu.Conversion.Synthetic;
using Spectre.Console;

namespace GroveMoE.Cli.Commands;

/// <summary>Opens the model for <c>run</c>, <c>chat</c> and <c>serve</c>: the given file, or the demo model; notices go to stderr.</summary>
internal static class ModelLoader
{
    public static LanguageModel Open(string? path, LoadOptions? options = null)
    {
        var loaded = LanguageModel.Load(path ?? DemoPath(), options);
        if (loaded.ChatTemplate.Note is { } note) StandardError.Console.MarkupLineInterpolated($"[yellow]{note}[/]");
        return loaded;
    }

    /// <summary>The demo model's path, built once with a progress bar; the notice that its text is noise goes to stderr.</summary>
    public static string DemoPath()
    {
        var console = StandardError.Console;
        console.MarkupLine("[yellow]No --model given: using the built-in demo model. Its weights are random, so its text is noise;[/]");
        console.MarkupLine("[yellow]it shows the runtime working. See the README for running the real GroveMoE-Inst.[/]");
        if (DemoModel.IsBuilt) return DemoModel.CachePath;

        long total = DemoModel.TensorBytes;
        string path = "";
        console.Progress()
            .Columns(new TaskDescriptionColumn(), new ProgressBarColumn(), new PercentageColumn(), new RemainingTimeColumn())
            .Start(context =>
            {
                var task = context.AddTask($"building demo model ({Units.Bytes(total)}, once)", maxValue: total);
                path = DemoModel.EnsureBuilt(new SynchronousProgress<long>(bytes => task.Value = bytes));
            });
        console.MarkupLineInterpolated($"[grey]cached at {DemoModel.CachePath}[/]");
        return path;
    }

}
