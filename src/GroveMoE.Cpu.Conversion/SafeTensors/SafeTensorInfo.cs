namespace GroveMoE.Cpu.Conversion.SafeTensors;

/// <summary>
/// One tensor of a safetensors file: PyTorch shape (slowest-varying dimension first) and its byte range
/// relative to the start of the data section.
/// </summary>
public sealed record SafeTensorInfo(string Name, SafeTensorsDType DType, long[] Shape, long Begin, long End)
{
    public long ElementCount => Shape.Aggregate(1L, (a, b) => a * b);
    public long ByteLength => End - Begin;
    public string ShapeText => "[" + string.Join(", ", Shape) + "]";
}
