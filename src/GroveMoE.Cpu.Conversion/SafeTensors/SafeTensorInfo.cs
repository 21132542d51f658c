namespace GroveMoE.Cpu.Conversion.SafeTensors;

/// <summary>
/// One tensor of a safetensors file: PyTorch shape (slowest-varying dimension first) and its byte range
/// relative to the start of the data section.
/// </summary>
public sealed record SafeTensorInfo(string Name, SafeTensorsDType DType, long[] Shape, long Begin, long End)
{
    /// <summary>Elements: the product of the shape.</summary>
    public long ElementCount => Shape.Aggregate(1L, (a, b) => a * b);
    /// <summary>Bytes of its data.</summary>
    public long ByteLength => End - Begin;
    /// <summary>The shape as <c>[d0, d1, ...]</c>, for messages.</summary>
    public string ShapeText => "[" + string.Join(", ", Shape) + "]";
}
