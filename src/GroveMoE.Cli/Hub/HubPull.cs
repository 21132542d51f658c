using GroveMoE.Cli.Output;
using GroveMoE.Cpu.CommandLine;
using GroveMoE.Cpu.Hub;
using Spectre.Console;

namespace GroveMoE.Cli.Hub;

/// <summary>
/// Pulls a Hub model for the CLI: a progress bar (bytes, rate, ETA) on stderr when it is a terminal, plain lines
/// otherwise; Ctrl-C stops the pull with one line saying the partial download is kept.
/// </summary>
internal static class HubPull
{
    /// <summary>The cached copy of <paramref name="reference"/> if there is one, else a pull (what --model hf.co/… does).</summary>
    public static async Task<string> GetOrPullAsync(ModelReference reference, CancellationToken cancel)
    {
        using var hub = new ModelHub();
        return hub.FindCached(reference) ?? await PullAsync(hub, reference, cancel);
    }

    public static async Task<string> PullAsync(ModelHub hub, ModelReference reference, CancellationToken cancel)
    {
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(cancel);
        ConsoleCancelEventHandler onCancel = (_, e) =>
        {
            e.Cancel = true;
            stop.Cancel();
        };
        Console.CancelKeyPress += onCancel;
        try
        {
            return await (Console.IsErrorRedirected ? PullPlainAsync(hub, reference, stop.Token) : PullWithBarAsync(hub, reference, stop.Token));
        }
        catch (OperationCanceledException) when (stop.IsCancellationRequested)
        {
            throw new UserInputException($"pull of {reference} stopped; the partial download is kept and the next pull resumes it");
        }
        finally
        {
            Console.CancelKeyPress -= onCancel;
        }
    }

    private static Task<string> PullWithBarAsync(ModelHub hub, ModelReference reference, CancellationToken cancel)
    {
        var console = StandardError.Console;
        console.MarkupLineInterpolated($"[grey]pulling {reference.ToString()} from {hub.Options.Endpoint.Host} into {hub.Options.CacheDirectory}[/]");
        return console.Progress()
            .AutoClear(false)
            .Columns(new TaskDescriptionColumn(), new ProgressBarColumn(), new PercentageColumn(), new DownloadedColumn(),
                new TransferSpeedColumn(), new RemainingTimeColumn())
            .StartAsync(async context =>
            {
                var tasks = new Dictionary<string, ProgressTask>(StringComparer.Ordinal);
                var progress = new SynchronousProgress<PullProgress>(p =>
                {
                    lock (tasks)
                    {
                        if (!tasks.TryGetValue(p.File, out var task))
                        {
                            string name = p.Parts > 1 ? $"{Path.GetFileName(p.File)} ({p.Part}/{p.Parts})" : Path.GetFileName(p.File);
                            tasks[p.File] = task = context.AddTask(Markup.Escape(name), maxValue: Math.Max(1, p.TotalBytes ?? 1));
                        }
                        task.Value = p.BytesDone;
                        if (p.Stage == PullStage.Retrying) console.MarkupLine("[yellow]connection cut; resuming[/]");
                        if (p.Stage == PullStage.WaitingForLock) console.MarkupLine("[yellow]another pull is fetching this file; waiting for it[/]");
                        if (p.Stage == PullStage.Done) task.Value = task.MaxValue;
                    }
                });
                return await hub.PullAsync(reference, progress, cancel).ConfigureAwait(false);
            });
    }

    private static Task<string> PullPlainAsync(ModelHub hub, ModelReference reference, CancellationToken cancel)
    {
        var started = DateTime.UtcNow;
        string? current = null;
        var progress = new SynchronousProgress<PullProgress>(p =>
        {
            lock (reference)
            {
                if (p.File != current && p.Stage != PullStage.Done)
                {
                    current = p.File;
                    StandardError.Line($"pulling {reference.RepoId}: {p.File}{(p.Parts > 1 ? $" (part {p.Part} of {p.Parts})" : "")}, {Units.Bytes(p.TotalBytes ?? 0)}");
                }
                if (p.Stage == PullStage.Retrying) StandardError.Line($"connection cut at {Units.Bytes(p.BytesDone)}; resuming");
                if (p.Stage == PullStage.WaitingForLock) StandardError.Line("another pull is fetching this file; waiting for it");
                if (p.Stage == PullStage.Done)
                {
                    double seconds = Math.Max(0.001, (DateTime.UtcNow - started).TotalSeconds);
                    StandardError.Line($"{p.File}: {Units.Bytes(p.TotalBytes ?? 0)} ok ({seconds:0.0} s, {Units.Bytes((long)((p.TotalBytes ?? 0) / seconds))}/s)");
                    started = DateTime.UtcNow;
                    current = null;
                }
            }
        });
        return hub.PullAsync(reference, progress, cancel);
    }
}
