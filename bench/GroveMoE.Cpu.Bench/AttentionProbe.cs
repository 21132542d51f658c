using System.Diagnostics;
using GroveMoE.Cpu.Kernels;
using GroveMoE.Cpu.Kernels.Attention;
using GroveMoE.Cpu.Model;

namespace GroveMoE.Cpu.Bench;

/// <summary>
/// <c>attention [DEPTH] [ROWS,...]</c>: the attention of one layer of GroveMoE's shape (32 query heads on 4 KV heads of
/// 128) on one thread, for each KV cache type and ISA path: ROWS query rows at the positions after DEPTH cached ones
/// (1 row is a decode step). Best of many runs, so it stays meaningful on a loaded machine; GMAC/s counts the score
/// and weighted-sum multiply-adds.
/// </summary>
public static class AttentionProbe
{
    public static void Run(string[] args)
    {
        int depth = args.Length > 1 ? int.Parse(args[1]) : 4096;
        int[] rowCounts = args.Length > 2 ? args[2].Split(',').Select(int.Parse).ToArray() : [1, 64];
        var config = new GroveConfig { Layers = 1, Hidden = 4096, Heads = 32, KvHeads = 4, HeadDim = 128, Vocab = 16 };
        int maxRows = rowCounts.Max();
        var random = new Random(3);
        var row = new float[config.KvDim];
        var queries = Enumerable.Range(0, maxRows * config.QueryDim).Select(_ => (float)random.NextDouble() - 0.5f).ToArray();
        var output = new BatchInput(maxRows, config.QueryDim);
        using var pool = new WorkerPool(1);
        Console.WriteLine($"depth {depth}: cache path rows → best ms, GMAC/s");
        foreach (var type in new[] { KvCacheType.F32, KvCacheType.F16 })
        {
            var cache = new KvCache(config, depth + maxRows, type);
            for (int p = 0; p < depth + maxRows; p++)
            {
                for (int i = 0; i < row.Length; i++) row[i] = (float)random.NextDouble() - 0.5f;
                cache.Store(0, p, row, row);
            }
            foreach (int rows in rowCounts)
            {
                var batch = new SequenceBatch(rows, 1);
                batch.Caches[0] = cache;
                for (int t = 0; t < rows; t++) batch.Add(0, depth + t, 0, false);
                output.Reshape(rows, config.QueryDim);
                double macs = 2.0 * config.Heads * config.HeadDim * Enumerable.Range(0, rows).Sum(t => (double)(depth + t + 1));
                foreach (var path in new[] { KernelPath.Scalar, KernelPath.Vector256, KernelPath.Vector512 }.Where(KernelPaths.IsSupported))
                {
                    var work = new AttentionWork(config, rows, 1) { Path = path };
                    double best = double.MaxValue;
                    var clock = Stopwatch.StartNew();
                    for (int run = 0; run < 200 && (run < 3 || clock.Elapsed.TotalSeconds < 2); run++)
                    {
                        long start = Stopwatch.GetTimestamp();
                        work.Run(pool, batch, 0, queries, output);
                        best = Math.Min(best, Stopwatch.GetElapsedTime(start).TotalMilliseconds);
                    }
                    Console.WriteLine($"{type} {path,-9} {rows,4} → {best,8:F3} ms, {macs / best / 1e6,6:F1} GMAC/s");
                }
            }
        }
    }
}
