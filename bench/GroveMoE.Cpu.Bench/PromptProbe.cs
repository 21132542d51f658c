using System.Diagnostics;
using GroveMoE.Cpu.Model;

namespace GroveMoE.Cpu.Bench;

/// <summary>
/// <c>probe-prompt MODEL [THREADS=2] [TOKENS=64] [REPS=20] [norepack]</c>: one prompt of TOKENS random tokens evaluated REPS
/// times (after one warm-up) as <c>grove bench</c>'s pp test does, printing every run's tokens/s (to see the spread)
/// and the mean wall time of each forward-pass step (<see cref="PhaseTimes"/>).
/// </summary>
public static class PromptProbe
{
    public static void Run(string[] args)
    {
        if (args.Length < 2) throw new ArgumentException("usage: probe-prompt MODEL [THREADS] [TOKENS] [REPS] [norepack]");
        int threads = args.Length > 2 ? int.Parse(args[2]) : 2;
        int tokens = args.Length > 3 ? int.Parse(args[3]) : 64;
        int reps = args.Length > 4 ? int.Parse(args[4]) : 20;
        bool repack = !(args.Length > 5 && args[5] == "norepack");

        using var model = GroveModel.Load(args[1], repack);
        using var forward = new GroveForward(model, tokens + 1, threads, Math.Min(tokens, 512), KvCacheType.F16);
        var random = new Random(42);
        var prompt = Enumerable.Range(0, tokens).Select(_ => random.Next(model.Config.Vocab)).ToArray();
        var logits = new float[model.Config.Vocab];
        forward.Rewind(0);
        forward.Evaluate(prompt, logits);

        var phases = new PhaseTimes();
        forward.Phases = phases;
        var rates = new double[reps];
        for (int r = 0; r < reps; r++)
        {
            forward.Rewind(0);
            long start = Stopwatch.GetTimestamp();
            forward.Evaluate(prompt, logits);
            rates[r] = tokens / Stopwatch.GetElapsedTime(start).TotalSeconds;
        }
        Console.WriteLine($"{Path.GetFileName(args[1])}, {threads} threads, pp{tokens}, {reps} runs: " +
            $"t/s min {rates.Min():F1} median {rates.Order().ElementAt(reps / 2):F1} max {rates.Max():F1}");
        Console.WriteLine("runs: " + string.Join(' ', rates.Select(r => r.ToString("F0"))));
        double total = 0;
        foreach (var phase in Enum.GetValues<ForwardPhase>()) total += phases[phase].TotalMilliseconds / reps;
        foreach (var phase in Enum.GetValues<ForwardPhase>())
        {
            double ms = phases[phase].TotalMilliseconds / reps;
            Console.WriteLine($"  {phase,-22} {ms,8:F2} ms  {100 * ms / total,5:F1} %");
        }
        Console.WriteLine($"  {"total",-22} {total,8:F2} ms");
    }
}
