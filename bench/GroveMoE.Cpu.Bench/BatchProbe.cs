using System.Diagnostics;
using GroveMoE.Cpu.Model;

namespace GroveMoE.Cpu.Bench;

/// <summary>
/// <c>probe-batch MODEL [THREADS=2] [STEPS=32] [SEQUENCES=1,2,4]</c>: decode steps of continuous batching without
/// HTTP, one row per sequence (each after a 32-token prompt in its own KV cache), as the scheduler runs them. Prints
/// the median step time and the aggregate tokens/s per sequence count, so the batched kernels can be A/B-tested
/// apart from the server.
/// </summary>
public static class BatchProbe
{
    public static void Run(string[] args)
    {
        if (args.Length < 2) throw new ArgumentException("usage: probe-batch MODEL [THREADS] [STEPS] [SEQUENCES]");
        int threads = args.Length > 2 ? int.Parse(args[2]) : 2;
        int steps = args.Length > 3 ? int.Parse(args[3]) : 32;
        int[] counts = args.Length > 4 ? args[4].Split(',').Select(int.Parse).ToArray() : [1, 2, 4];
        int most = counts.Max();
        const int prompt = 32;
        int context = prompt + 2 * steps + 2;

        using var model = GroveModel.Load(args[1]);
        using var forward = new GroveForward(model, context, threads, prompt, KvCacheType.F32, most);
        var batch = new SequenceBatch(forward.MaxRows, most);
        batch.Caches[0] = forward.Cache;
        for (int s = 1; s < most; s++) batch.Caches[s] = new KvCache(model.Config, context);
        var random = new Random(7);
        var logits = new float[most * model.Config.Vocab];
        for (int s = 0; s < most; s++)
        {
            batch.Clear();
            for (int t = 0; t < prompt; t++) batch.Add(random.Next(model.Config.Vocab), t, s, logits: t == prompt - 1);
            forward.EvaluateBatch(batch, logits);
        }

        Console.WriteLine($"{Path.GetFileName(args[1])}, {threads} threads, {steps} decode steps after a {prompt}-token prompt each");
        double single = 0;
        foreach (int n in counts)
        {
            var times = new double[steps];
            for (int step = 0; step < steps; step++)
            {
                batch.Clear();
                // Every count starts from the same positions, so the attention costs the same.
                for (int s = 0; s < n; s++) batch.Add(random.Next(model.Config.Vocab), prompt + step, s, logits: true);
                long start = Stopwatch.GetTimestamp();
                forward.EvaluateBatch(batch, logits);
                times[step] = Stopwatch.GetElapsedTime(start).TotalSeconds;
            }
            Array.Sort(times);
            double median = times[steps / 2], rate = n / median;
            if (n == 1) single = rate;
            Console.WriteLine($"{n} sequences: step {median * 1e3,7:F1} ms (min {times[0] * 1e3:F1}), {rate,6:F1} t/s aggregate" +
                (single > 0 ? $", {rate / single:F2}× one" : ""));
        }
    }
}
