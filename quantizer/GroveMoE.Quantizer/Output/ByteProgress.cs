using GroveMoE.Cpu.CommandLine;
using System.Diagnostics;
using Spectre.Console;

namespace GroveMoE.Quantizer.Output;

/// <summary>
/// Runs work that reports bytes done: a progress bar with bytes, rate and ETA when stderr is a terminal,
/// otherwise a one-line summary when it ends.
/// </summary>
public static class ByteProgress
{
    public static void Run(string description, long totalBytes, Action<Action<long>> work)
    {
        var clock = Stopwatch.StartNew();
        if (Console.IsErrorRedirected)
        {
            long done = 0;
            work(n => done += n);
            StandardError.Line($"{description}: {Size(done)} in {clock.Elapsed.TotalSeconds:F1} s ({Size((long)(done / Math.Max(clock.Elapsed.TotalSeconds, 1e-3)))}/s)");
            return;
        }
        StandardError.Console.Progress()
            .AutoClear(false)
            .Columns(new TaskDescriptionColumn(), new ProgressBarColumn(), new PercentageColumn(),
                new DownloadedColumn(), new TransferSpeedColumn(), new RemainingTimeColumn())
            .Start(context =>
            {
                var task = context.AddTask(description, maxValue: Math.Max(totalBytes, 1));
                work(n => task.Increment(n));
                task.Value = task.MaxValue;
            });
    }

    public static string Size(long bytes) => bytes switch
    {
        >= 1L << 30 => $"{bytes / (double)(1L << 30):F2} GiB",
        >= 1L << 20 => $"{bytes / (double)(1L << 20):F1} MiB",
        _ => $"{bytes / 1024.0:F1} KiB",
    };
}
