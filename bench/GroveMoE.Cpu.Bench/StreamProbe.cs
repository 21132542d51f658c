using System.Diagnostics;
using System.Runtime.InteropServices;
using GroveMoE.Cpu.Kernels;
using GroveMoE.Cpu.Quantization;

namespace GroveMoE.Cpu.Bench;

/// <summary>
/// <c>stream [TYPES] [THREADS]</c>: the decode row·vector of the whole 151936 × 2048 output matrix in the tiled layout,
/// streamed from memory (far larger than the last-level cache) through <see cref="MatMulWork"/> on a pool of 1 and 2
/// threads, best and median of 15 runs. Weight GB/s = tiled bytes / time: the rate a decode step reads its weights at,
/// to set against the machine's plain read bandwidth (<c>/tmp/bw/bw</c>).
/// </summary>
public static unsafe class StreamProbe
{
    public static void Run(string[] args)
    {
        var types = args.Length > 1 ? args[1].Split(',').Select(Enum.Parse<GgmlType>).ToArray() : [GgmlType.Q4_0, GgmlType.Q4_K, GgmlType.Q6_K];
        int[] threadCounts = args.Length > 2 ? args[2].Split(',').Select(int.Parse).ToArray() : [1, 2];
        int rows = WeightShapes.Rows(WeightShapes.Output), cols = WeightShapes.Columns;
        var input = KernelBench.Input(1);
        var output = new float[rows];
        int[] inputRows = [0];
        foreach (var type in types)
        {
            byte* plain = WeightShapes.Allocate(type, WeightShapes.Output);
            var source = new WeightMatrix(type, plain, rows, cols);
            long bytes = TileLayout.MatrixBytes(type, rows, cols);
            var tiles = (byte*)NativeMemory.AlignedAlloc((nuint)bytes, 4096);
            TileLayout.Pack(source, tiles, 0, TileLayout.Groups(rows));
            NativeMemory.AlignedFree(plain);
            var w = source.WithTiles(tiles);
            foreach (int threads in threadCounts)
            {
                using var pool = new WorkerPool(threads);
                var work = new MatMulWork(1, cols, threads);
                var times = new double[15];
                for (int i = -2; i < times.Length; i++)
                {
                    long start = Stopwatch.GetTimestamp();
                    work.Add(w, input, inputRows, 0, 1, output, 0, rows);
                    work.Run(pool);
                    if (i >= 0) times[i] = Stopwatch.GetElapsedTime(start).TotalSeconds;
                }
                Array.Sort(times);
                Console.WriteLine($"{type} {threads} thread(s): {bytes / 1e6:F0} MB, best {times[0] * 1e3:F2} ms = {bytes / times[0] / 1e9:F1} GB/s, median {bytes / times[times.Length / 2] / 1e9:F1} GB/s");
            }
            NativeMemory.AlignedFree(tiles);
        }
    }
}
