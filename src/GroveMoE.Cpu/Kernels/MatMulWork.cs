namespace GroveMoE.Cpu.Kernels;

/// <summary>One matrix product in a <see cref="MatMulWork"/>: output[OutputOffset + i*OutputStride + r] = W[r] · input[InputRows[i]].</summary>
internal struct MatMulTask
{
    public WeightMatrix Weights;
    public BatchInput Input;
    public int[] InputRows;
    public int InputRowsStart;
    public int InputRowsCount;
    public float[] Output;
    public int OutputOffset;
    public int OutputStride;
}

/// <summary>
/// Several matrix products run as one parallel dispatch (q/k/v together, all experts of a layer together),
/// split into blocks of weight rows so both cores stay busy even when each product is small.
/// </summary>
internal sealed class MatMulWork : IParallelWork
{
    private readonly MatMulTask[] _tasks;
    private readonly int[] _firstItem;
    private readonly float[][] _scratch;
    private int _count;
    private int _items;
    private int _rowsPerItem = 16;

    /// <summary>
    /// Work items per thread and dispatch. Few and long: each item is one sequential stream through the weights,
    /// and more, shorter items measured up to a third slower at decode (16 per thread capped at 64 rows: 61 t/s;
    /// 8 per thread uncapped: 87 t/s, wide4 Q4_0, 2 threads); eight still balance the two cores.
    /// </summary>
    private const int ItemsPerThread = 8;

    public MatMulWork(int maxTasks, int maxColumns, int threads)
    {
        _tasks = new MatMulTask[maxTasks];
        _firstItem = new int[maxTasks + 1];
        _scratch = new float[threads][];
        for (int i = 0; i < threads; i++) _scratch[i] = new float[maxColumns];
    }

    public void Add(in WeightMatrix weights, BatchInput input, int[] inputRows, int inputRowsStart, int inputRowsCount,
        float[] output, int outputOffset, int outputStride)
    {
        if (inputRowsCount == 0) return;
        _tasks[_count++] = new MatMulTask
        {
            Weights = weights, Input = input, InputRows = inputRows, InputRowsStart = inputRowsStart,
            InputRowsCount = inputRowsCount, Output = output, OutputOffset = outputOffset, OutputStride = outputStride,
        };
    }

    public void Run(WorkerPool pool)
    {
        long totalRows = 0;
        for (int t = 0; t < _count; t++) totalRows += _tasks[t].Weights.Rows;
        // Whole groups of the tiled layout per item (harmless for row-major matrices).
        int perItem = (int)Math.Max(1, totalRows / (pool.ThreadCount * ItemsPerThread));
        _rowsPerItem = (perItem + TileLayout.GroupRows - 1) / TileLayout.GroupRows * TileLayout.GroupRows;
        _items = 0;
        for (int t = 0; t < _count; t++)
        {
            _firstItem[t] = _items;
            _items += (_tasks[t].Weights.Rows + _rowsPerItem - 1) / _rowsPerItem;
        }
        _firstItem[_count] = _items;
        pool.Run(this, _items);
        _count = 0;
    }

    public void Execute(int start, int end, int worker)
    {
        int t = 0;
        for (int item = start; item < end; item++)
        {
            while (_firstItem[t + 1] <= item) t++;
            ref var task = ref _tasks[t];
            int rowStart = (item - _firstItem[t]) * _rowsPerItem;
            int rowEnd = Math.Min(task.Weights.Rows, rowStart + _rowsPerItem);
            MatMul.Rows(task.Weights, rowStart, rowEnd, task.Input,
                task.InputRows.AsSpan(task.InputRowsStart, task.InputRowsCount),
                task.Output.AsSpan(task.OutputOffset), task.OutputStride, _scratch[worker]);
        }
    }
}
