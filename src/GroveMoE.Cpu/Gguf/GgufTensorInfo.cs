using GroveMoE.Cpu.Quantization;

namespace GroveMoE.Cpu.Gguf;

/// <summary>
/// A tensor's name, element type and ggml shape (fastest-varying dimension first), and where its data
/// lies relative to the start of the file's data section.
/// </summary>
public sealed record GgufTensorInfo(string Name, GgmlType Type, long[] Dimensions, long Offset = 0)
{
    /// <summary>Elements in the tensor: the product of its dimensions.</summary>
    public long ElementCount => Dimensions.Aggregate(1L, (a, b) => a * b);

    /// <summary>Elements in one row (the first ggml dimension).</summary>
    public long RowLength => Dimensions.Length == 0 ? 1 : Dimensions[0];

    /// <summary>Rows: the elements over <see cref="RowLength"/> (a 3-D tensor's rows run through every matrix).</summary>
    public long RowCount => ElementCount / RowLength;

    /// <summary>Bytes of data; a shape too large for a long throws <see cref="OverflowException"/> (the reader refuses such files).</summary>
    public long ByteSize => TryComputeByteSize(Type, Dimensions) ?? throw new OverflowException($"tensor '{Name}' is too large");

    /// <summary>Bytes of a tensor of this type and shape, or null when the count overflows a long or rows split blocks.</summary>
    internal static long? TryComputeByteSize(GgmlType type, long[] dimensions)
    {
        if (dimensions.Length == 0) return GgmlTypeInfo.RowBytes(type, 1);
        if (dimensions[0] % GgmlTypeInfo.BlockSize(type) != 0) return null;
        try
        {
            long bytes = GgmlTypeInfo.RowBytes(type, dimensions[0]);
            for (int d = 1; d < dimensions.Length; d++) bytes = checked(bytes * dimensions[d]);
            return bytes;
        }
        catch (OverflowException)
        {
            return null;
        }
    }

    /// <summary>The shape as <c>{d0, d1, ...}</c>, for messages.</summary>
    public string ShapeText => "{" + string.Join(", ", Dimensions) + "}";
}
