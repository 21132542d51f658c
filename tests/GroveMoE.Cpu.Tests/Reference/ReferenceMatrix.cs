using GroveMoE.Cpu.Quantization;

namespace GroveMoE.Cpu.Tests.Reference;

/// <summary>A dequantized weight matrix in ggml's layout: <see cref="Rows"/> output rows of <see cref="Columns"/> inputs.</summary>
public sealed class ReferenceMatrix(GgmlType type, int rows, int columns, double[] values)
{
    public GgmlType Type { get; } = type;
    public int Rows { get; } = rows;
    public int Columns { get; } = columns;
    public double[] Values { get; } = values;

    public bool IsBlockQuantized => Type is not (GgmlType.F32 or GgmlType.F16 or GgmlType.BF16);

    public double[] Row(int r) => Values.AsSpan(r * Columns, Columns).ToArray();

    /// <summary>y = W x, in float64.</summary>
    public double[] Times(double[] x)
    {
        if (x.Length != Columns) throw new ArgumentException($"matrix has {Columns} columns, vector {x.Length}");
        var y = new double[Rows];
        for (int r = 0; r < Rows; r++)
        {
            double sum = 0;
            int at = r * Columns;
            for (int c = 0; c < Columns; c++) sum += Values[at + c] * x[c];
            y[r] = sum;
        }
        return y;
    }
}
