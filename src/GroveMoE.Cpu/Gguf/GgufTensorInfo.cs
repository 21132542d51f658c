using GroveMoE.Cpu.Quantization;

namespace GroveMoE.Cpu.Gguf;

/// <summary>
/// A tensor's name, element type and ggml shape (fastest-varying dimension first), and where its data
/// lies relative to the start of the file's data section.
/// </summary>
public sealed record GgufTensorInfo(string Name, GgmlType Type, long[] Dimensions, long Offset = 0)
{
    public long ElementCount => Dimensions.Aggregate(1L, (a, b) => a * b);

    /// <summary>Elements in one row (the first ggml dimension).</summary>
    public long RowLength => Dimensions.Length == 0 ? 1 : Dimensions[0];

    public long RowCount => ElementCount / RowLength;

    public long ByteSize => GgmlTypeInfo.RowBytes(Type, RowLength) * RowCount;

    public string ShapeText => "{" + string.Join(", ", Dimensions) + "}";
}
