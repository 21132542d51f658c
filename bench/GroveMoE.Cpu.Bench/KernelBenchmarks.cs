using BenchmarkDotNet.Attributes;
using BenchmarkDotNet.Configs;
using GroveMoE.Cpu.Kernels;
using GroveMoE.Cpu.Quantization;

namespace GroveMoE.Cpu.Bench;

public sealed class KernelConfig : ManualConfig
{
    public KernelConfig() => AddColumn(new WeightBandwidthColumn());
}

/// <summary>One thread, every quantized dot path: each op dots every row of the matrix with 1 or 4 activation rows.</summary>
[Config(typeof(KernelConfig))]
public unsafe class QuantizedDotBenchmarks
{
    private byte* _weights;
    private KernelBench.Activations _x = null!;

    [Params(GgmlType.Q4_0, GgmlType.Q8_0)] public GgmlType Type;
    [ParamsSource(nameof(Paths))] public KernelPath Path;
    [Params(WeightShapes.Expert, WeightShapes.Output)] public string Shape = "";
    [Params(1, 4)] public int Tokens;

    public static IEnumerable<KernelPath> Paths() => KernelPaths.Supported();

    [GlobalSetup]
    public void Setup()
    {
        _weights = WeightShapes.Allocate(Type, Shape);
        _x = new KernelBench.Activations(4, WeightShapes.Columns);
    }

    [GlobalCleanup]
    public void Cleanup() => System.Runtime.InteropServices.NativeMemory.AlignedFree(_weights);

    [Benchmark]
    public float Matrix()
    {
        int rows = WeightShapes.Rows(Shape), blocks = WeightShapes.Columns / 32;
        int rowBytes = (int)GgmlTypeInfo.RowBytes(Type, WeightShapes.Columns);
        float sink = 0;
        float* results = stackalloc float[4];
        fixed (Q8Row* x = _x.Rows)
        {
            for (int r = 0; r < rows; r++)
            {
                byte* row = _weights + (long)r * rowBytes;
                if (Tokens == 4)
                {
                    if (Type == GgmlType.Q4_0) QuantizedDot.Q4_0x4(Path, row, x, blocks, results);
                    else QuantizedDot.Q8_0x4(Path, row, x, blocks, results);
                    sink += results[0] + results[3];
                }
                else
                {
                    sink += Type == GgmlType.Q4_0 ? QuantizedDot.Q4_0(Path, row, x[0], blocks) : QuantizedDot.Q8_0(Path, row, x[0], blocks);
                }
            }
        }
        return sink;
    }
}

/// <summary>F32/F16/BF16 rows through MatMul.Rows on one thread, one token.</summary>
[Config(typeof(KernelConfig))]
public unsafe class FloatRowBenchmarks
{
    private byte* _weights;
    private BatchInput _input = null!;
    private readonly float[] _output = new float[WeightShapes.Rows(WeightShapes.Expert)];
    private readonly float[] _scratch = new float[WeightShapes.Columns];

    [Params(GgmlType.F32, GgmlType.F16, GgmlType.BF16)] public GgmlType Type;
    [Params(WeightShapes.Expert)] public string Shape = "";

    [GlobalSetup]
    public void Setup()
    {
        _weights = WeightShapes.Allocate(Type, Shape);
        _input = KernelBench.Input(1);
    }

    [GlobalCleanup]
    public void Cleanup() => System.Runtime.InteropServices.NativeMemory.AlignedFree(_weights);

    [Benchmark]
    public void Matrix()
    {
        var w = new WeightMatrix(Type, _weights, WeightShapes.Rows(Shape), WeightShapes.Columns);
        MatMul.Rows(w, 0, w.Rows, _input, [0], _output, 0, _scratch);
    }
}

/// <summary>The whole output projection through MatMulWork on a WorkerPool of 1 or 2 threads (the laptop has 2 cores).</summary>
[Config(typeof(KernelConfig))]
public unsafe class MatMulThreadsBenchmarks
{
    private byte* _weights;
    private BatchInput _input = null!;
    private WorkerPool _pool = null!;
    private MatMulWork _work = null!;
    private readonly float[] _output = new float[WeightShapes.Rows(WeightShapes.Output)];
    private readonly int[] _rows = [0];

    [Params(GgmlType.Q4_0, GgmlType.Q8_0)] public GgmlType Type;
    [Params(WeightShapes.Output)] public string Shape = "";
    [Params(1, 2)] public int Threads;

    [GlobalSetup]
    public void Setup()
    {
        _weights = WeightShapes.Allocate(Type, Shape);
        _input = KernelBench.Input(1);
        _pool = new WorkerPool(Threads);
        _work = new MatMulWork(1, WeightShapes.Columns, Threads);
    }

    [GlobalCleanup]
    public void Cleanup()
    {
        _pool.Dispose();
        System.Runtime.InteropServices.NativeMemory.AlignedFree(_weights);
    }

    [Benchmark]
    public void Matrix()
    {
        _work.Add(new WeightMatrix(Type, _weights, WeightShapes.Rows(Shape), WeightShapes.Columns), _input, _rows, 0, 1, _output, 0, 0);
        _work.Run(_pool);
    }
}

/// <summary>Quantizing one 2048-wide activation row.</summary>
public class ActivationQuantizerBenchmarks
{
    private readonly float[] _x = Enumerable.Range(0, WeightShapes.Columns).Select(i => MathF.Sin(i * 0.37f) * 3).ToArray();
    private readonly sbyte[] _quants = new sbyte[WeightShapes.Columns];
    private readonly float[] _scales = new float[WeightShapes.Columns / 32];
    private readonly int[] _sums = new int[WeightShapes.Columns / 32];
    private readonly int[] _lowSums = new int[WeightShapes.Columns / 32];

    [Benchmark(Baseline = true)]
    public void Scalar() => ActivationQuantizer.QuantizeRowScalar(_x, _quants, _scales, _sums, _lowSums);

    [Benchmark]
    public void Vector256() => ActivationQuantizer.QuantizeRowVector256(_x, _quants, _scales, _sums, _lowSums);
}

internal static unsafe class KernelBench
{
    public static BatchInput Input(int rows)
    {
        var input = new BatchInput(rows, WeightShapes.Columns);
        var values = new float[rows * WeightShapes.Columns];
        var random = new Random(2);
        for (int i = 0; i < values.Length; i++) values[i] = (float)(random.NextDouble() * 2 - 1);
        input.Load(values, rows, WeightShapes.Columns);
        return input;
    }

    /// <summary>Quantized activation rows held in pinned arrays so the kernels can take raw pointers.</summary>
    public sealed class Activations
    {
        private readonly BatchInput _input;
        public readonly Q8Row[] Rows;

        public Activations(int rows, int columns)
        {
            _input = Input(rows);
            var q = _input.Quantized;
            var quants = GC.AllocateArray<sbyte>(rows * columns, pinned: true);
            var scales = GC.AllocateArray<float>(rows * columns / 32, pinned: true);
            var sums = GC.AllocateArray<int>(rows * columns / 32, pinned: true);
            q.Quants.AsSpan(0, quants.Length).CopyTo(quants);
            q.Scales.AsSpan(0, scales.Length).CopyTo(scales);
            q.Sums.AsSpan(0, sums.Length).CopyTo(sums);
            _pinned = [quants, scales, sums];
            Rows = new Q8Row[rows];
            for (int r = 0; r < rows; r++)
            {
                Rows[r] = new Q8Row(
                    (sbyte*)System.Runtime.CompilerServices.Unsafe.AsPointer(ref quants[r * columns]),
                    (float*)System.Runtime.CompilerServices.Unsafe.AsPointer(ref scales[r * columns / 32]),
                    (int*)System.Runtime.CompilerServices.Unsafe.AsPointer(ref sums[r * columns / 32]));
            }
        }

        private readonly object[] _pinned;
    }
}
