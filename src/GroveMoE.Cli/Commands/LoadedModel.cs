using GroveMoE.Cli.Output;
using GroveMoE.Cpu.Generation;
using GroveMoE.Cpu.Model;
using GroveMoE.Cpu.Model.Synthetic;
using GroveMoE.Cpu.Tokenization;
using Spectre.Console;

namespace GroveMoE.Cli.Commands;

/// <summary>A model and its tokenizer opened for <c>run</c> or <c>chat</c>: the given file, or the demo model.</summary>
internal sealed class LoadedModel : IDisposable
{
    private LoadedModel(GroveModel model, GroveTokenizer tokenizer, bool isDemo)
    {
        Model = model;
        Tokenizer = tokenizer;
        IsDemo = isDemo;
    }

    public GroveModel Model { get; }
    public GroveTokenizer Tokenizer { get; }
    public bool IsDemo { get; }

    /// <summary>Opens <paramref name="file"/>, or builds (once) and opens the demo model; notices go to stderr.</summary>
    public static LoadedModel Open(FileInfo? file)
    {
        string path = file?.FullName ?? DemoPath();
        var model = GroveModel.Load(path);
        try
        {
            var loaded = new LoadedModel(model, GroveTokenizer.FromMetadata(model.File.Metadata), file is null);
            if (ChatTemplate.ForModel(model.File.Metadata).Note is { } note) StandardError.Console.MarkupLineInterpolated($"[yellow]{note}[/]");
            return loaded;
        }
        catch
        {
            model.Dispose();
            throw;
        }
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

    public void Dispose() => Model.Dispose();
}
