namespace GroveMoE.Cpu.Kernels;

/// <summary>
/// The input rows of a matmul in both forms a weight type may need: float (for F32/F16/BF16 weights) and
/// Q8-quantized (for Q8_0/Q4_0 weights). Quantize once, then run every matmul that shares the input.
/// </summary>
internal sealed class BatchInput(int maxRows, int maxColumns)
{
    public float[] Floats { get; } = new float[(long)maxRows * maxColumns];
    public Q8Activations Quantized { get; } = new(maxRows, maxColumns);
    public int Rows { get; private set; }
    public int Columns { get; private set; }

    /// <summary>Declares the shape before rows are filled one by one with <see cref="SetRow"/> (possibly in parallel).</summary>
    public void Reshape(int rows, int columns)
    {
        Rows = rows;
        Columns = columns;
        Quantized.Reshape(rows, columns);
    }

    public Span<float> Row(int row) => Floats.AsSpan(row * Columns, Columns);

    /// <summary>Quantizes row <paramref name="row"/> after its floats were written through <see cref="Row"/>.</summary>
    public void SetRow(int row) => Quantized.QuantizeRow(row, Row(row));
}
