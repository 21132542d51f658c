namespace GroveMoE.Cpu.Kernels;

/// <summary>
/// Whole-batch loading and per-row views of the activations, as the tests and kernel benchmarks use them (the runtime
/// fills rows one by one); compiled into both (bench links this file).
/// </summary>
internal static class ActivationViews
{
    /// <summary>Copies and quantizes <paramref name="rows"/> rows of <paramref name="source"/> through the runtime's per-row path.</summary>
    public static void Load(this BatchInput input, ReadOnlySpan<float> source, int rows, int columns)
    {
        input.Reshape(rows, columns);
        for (int r = 0; r < rows; r++)
        {
            source.Slice(r * columns, columns).CopyTo(input.Row(r));
            input.SetRow(r);
        }
    }

    /// <summary>Quantizes <paramref name="rows"/> rows of <paramref name="source"/> through the runtime's per-row path.</summary>
    public static void Quantize(this Q8Activations q8, ReadOnlySpan<float> source, int rows, int columns)
    {
        q8.Reshape(rows, columns);
        for (int r = 0; r < rows; r++) q8.QuantizeRow(r, source.Slice(r * columns, columns));
    }

    public static ReadOnlySpan<sbyte> RowQuants(this Q8Activations q8, int row) => q8.Quants.AsSpan(row * q8.Columns, q8.Columns);

    public static ReadOnlySpan<float> RowScales(this Q8Activations q8, int row) => q8.Scales.AsSpan(row * Blocks(q8), Blocks(q8));

    public static ReadOnlySpan<int> RowSums(this Q8Activations q8, int row) => q8.Sums.AsSpan(row * Blocks(q8), Blocks(q8));

    private static int Blocks(Q8Activations q8) => q8.Columns / Q8Activations.BlockSize;
}
