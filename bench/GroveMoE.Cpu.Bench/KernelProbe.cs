using System.Diagnostics;
using System.Runtime.InteropServices;
using GroveMoE.Cpu.Kernels;
using GroveMoE.Cpu.Quantization;

namespace GroveMoE.Cpu.Bench;

/// <summary>
/// <c>probe</c>: a quick single-thread A/B of the matmul paths (row-major file layout vs tiled, every ISA path),
/// minimum time of many runs, so it stays meaningful on a machine other jobs are loading. GB/s = weight bytes / time.
/// </summary>
public static unsafe class KernelProbe
{
    public static void Run(string[] args)
    {
        string shape = args.Length > 1 ? args[1] : WeightShapes.Expert;
        int[] tokenCounts = args.Length > 2 ? args[2].Split(',').Select(int.Parse).ToArray() : [1, 4, 16];
        var types = args.Length > 3 ? args[3].Split(',').Select(Enum.Parse<GgmlType>).ToArray() : [GgmlType.Q4_0, GgmlType.Q8_0];
        bool tiledOnly = args.Length > 4 && args[4] == "tiled";
        int rows = WeightShapes.Rows(shape), cols = WeightShapes.Columns;
        Console.WriteLine($"{shape}: type layout path tokens → best µs, weight GB/s, GMAC/s");
        foreach (var type in types)
        {
            byte* plain = WeightShapes.Allocate(type, shape);
            var source = new WeightMatrix(type, plain, rows, cols);
            long tiledBytes = TileLayout.MatrixBytes(type, rows, cols);
            var tiles = (byte*)NativeMemory.AlignedAlloc((nuint)tiledBytes, 4096);
            TileLayout.Pack(source, tiles, 0, TileLayout.Groups(rows));
            int maxTokens = tokenCounts.Max();
            var input = new BatchInput(maxTokens, cols);
            var floats = new float[maxTokens * cols];
            for (int i = 0; i < floats.Length; i++) floats[i] = (float)(Random.Shared.NextDouble() * 2 - 1);
            input.Load(floats, maxTokens, cols);
            var output = new float[maxTokens * rows];
            var scratch = new float[cols];
            foreach (int tokens in tokenCounts)
            {
                var inputRows = Enumerable.Range(0, tokens).ToArray();
                foreach (bool tiled in tiledOnly ? [true] : new[] { false, true })
                foreach (var path in KernelPaths.Supported().Where(p => p != KernelPath.Scalar))
                {
                    var w = tiled ? source.WithTiles(tiles) : source;
                    Action run = tiled
                        ? () => MatMul.Rows(w, 0, rows, input, inputRows, output, rows, scratch, path)
                        : () => MatMul.Rows(w, 0, rows, input, inputRows, output, rows, scratch, path);
                    double best = Best(run, rows >= 100_000 ? 15 : 200);
                    long bytes = tiled ? tiledBytes : source.ByteSize;
                    Console.WriteLine($"{type} {(tiled ? "tiled" : "rows "),-5} {path,-13} {tokens,3}  {best * 1e6,10:F1} µs {bytes / best / 1e9,7:F1} GB/s {(double)rows * cols * tokens / best / 1e9,7:F1} GMAC/s");
                }
            }
            NativeMemory.AlignedFree(tiles);
            NativeMemory.AlignedFree(plain);
        }
    }

    private static double Best(Action run, int repetitions)
    {
        run();
        double best = double.MaxValue;
        for (int i = 0; i < repetitions; i++)
        {
            long start = Stopwatch.GetTimestamp();
            run();
            best = Math.Min(best, Stopwatch.GetElapsedTime(start).TotalSeconds);
        }
        return best;
    }
}
