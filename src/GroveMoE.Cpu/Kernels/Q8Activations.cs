namespace GroveMoE.Cpu.Kernels;

/// <summary>
/// A batch of activation rows quantized once per matmul to Q8 blocks of 32: int8 quants, a float scale per
/// block and the sum of each block's quants (the Q4_0 kernel uses it to fold in the -8 offset), and of its first 16
/// quants (Q6_K's offset per sub-block of 16). Buffers are
/// allocated once for a maximum batch and reused.
/// </summary>
internal sealed class Q8Activations
{
    public const int BlockSize = 32;

    public Q8Activations(int maxRows, int maxColumns)
    {
        if (maxColumns % BlockSize != 0) throw new ArgumentException($"row length {maxColumns} is not a multiple of {BlockSize}");
        MaxRows = maxRows;
        MaxColumns = maxColumns;
        Quants = new sbyte[(long)maxRows * maxColumns];
        Scales = new float[(long)maxRows * maxColumns / BlockSize];
        Sums = new int[(long)maxRows * maxColumns / BlockSize];
        LowSums = new int[(long)maxRows * maxColumns / BlockSize];
    }

    public int MaxRows { get; }
    public int MaxColumns { get; }
    public int Rows { get; private set; }
    public int Columns { get; private set; }
    internal sbyte[] Quants { get; }
    internal float[] Scales { get; }
    internal int[] Sums { get; }
    internal int[] LowSums { get; }

    /// <summary>Sets the shape; the rows are then quantized one by one with <see cref="QuantizeRow"/> (possibly in parallel).</summary>
    public void Reshape(int rows, int columns)
    {
        if (rows > MaxRows || columns > MaxColumns || columns % BlockSize != 0)
            throw new ArgumentException($"batch {rows}x{columns} exceeds {MaxRows}x{MaxColumns}");
        Rows = rows;
        Columns = columns;
    }

    /// <summary>Quantizes <paramref name="source"/> into row <paramref name="row"/> of the shape set by <see cref="Reshape"/>.</summary>
    public void QuantizeRow(int row, ReadOnlySpan<float> source)
    {
        int blocks = Columns / BlockSize;
        ActivationQuantizer.QuantizeRow(source, Quants.AsSpan(row * Columns, Columns),
            Scales.AsSpan(row * blocks, blocks), Sums.AsSpan(row * blocks, blocks), LowSums.AsSpan(row * blocks, blocks));
    }
}
