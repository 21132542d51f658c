using GroveMoE.Cpu.Gguf;
using GroveMoE.Cpu.Quantization;

namespace GroveMoE.Cpu.Kernels;

/// <summary>
/// A row-major weight matrix in any supported ggml type, pointing into the mapped file: row r holds the
/// <see cref="Columns"/> weights that produce output r. A 3-D expert tensor yields one matrix per expert.
/// When <see cref="Tiles"/> is set the kernels read that copy in the <see cref="TileLayout"/> instead; the file's
/// rows stay addressable (for the GPU upload and the embedding lookup) whether or not their pages are resident.
/// </summary>
internal readonly unsafe struct WeightMatrix
{
    public WeightMatrix(GgmlType type, byte* data, int rows, int columns, byte* tiles = null)
    {
        Type = type;
        Data = data;
        Rows = rows;
        Columns = columns;
        RowBytes = (int)GgmlTypeInfo.RowBytes(type, columns);
        Tiles = tiles;
    }

    public GgmlType Type { get; }
    internal byte* Data { get; }
    internal byte* Tiles { get; }
    public bool IsTiled => Tiles != null;
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

    /// <summary>Matrix <paramref name="index"/> of a 3-D tensor {columns, rows, count}, and of its tiled copy when given.</summary>
    public static WeightMatrix Slice(GgufTensor tensor, int index, byte* tiles = null)
    {
        var first = From(tensor);
        byte* tiled = tiles == null ? null : tiles + index * TileLayout.MatrixBytes(first.Type, first.Rows, first.Columns);
        return new WeightMatrix(tensor.Type, tensor.Data + index * first.ByteSize, first.Rows, first.Columns, tiled);
    }

    /// <summary>The same matrix read through <paramref name="tiles"/>, its copy in the tiled layout.</summary>
    public WeightMatrix WithTiles(byte* tiles) => new(Type, Data, Rows, Columns, tiles);
}
