using GroveMoE.Cpu.Gguf;
using GroveMoE.Cpu.Quantization;

namespace GroveMoE.Cpu.Kernels;

/// <summary>
/// A row-major weight matrix in any supported ggml type, pointing into the mapped file: row r holds the
/// <see cref="Columns"/> weights that produce output r. A 3-D expert tensor yields one matrix per expert.
/// </summary>
internal readonly unsafe struct WeightMatrix
{
    public WeightMatrix(GgmlType type, byte* data, int rows, int columns)
    {
        Type = type;
        Data = data;
        Rows = rows;
        Columns = columns;
        RowBytes = (int)GgmlTypeInfo.RowBytes(type, columns);
    }

    public GgmlType Type { get; }
    internal byte* Data { get; }
    public int Rows { get; }
    public int Columns { get; }
    public int RowBytes { get; }
    public long ByteSize => (long)RowBytes * Rows;
    public long ParameterCount => (long)Rows * Columns;

    internal byte* Row(int row) => Data + (long)row * RowBytes;

    public ReadOnlySpan<byte> RowBytesSpan(int row) => new(Row(row), RowBytes);

    /// <summary>The whole tensor viewed as one matrix of ne1*ne2 rows (2-D) or, for 3-D tensors, expert 0.</summary>
    public static WeightMatrix From(GgufTensor tensor)
    {
        var d = tensor.Dimensions;
        return new WeightMatrix(tensor.Type, tensor.Data, checked((int)(d.Length > 1 ? d[1] : 1)), checked((int)d[0]));
    }

    /// <summary>Matrix <paramref name="index"/> of a 3-D tensor {columns, rows, count}.</summary>
    public static WeightMatrix Slice(GgufTensor tensor, int index)
    {
        var first = From(tensor);
        return new WeightMatrix(tensor.Type, tensor.Data + index * first.ByteSize, first.Rows, first.Columns);
    }
}
