using GroveMoE.Cpu.Quantization;

namespace GroveMoE.Quantizer.Conversion;

/// <summary>Rows of f32 values that an output tensor is made from; safe to read from several threads at once.</summary>
public interface IRowSource
{
    void ReadRows(long firstRow, int rowCount, Span<float> destination);

    /// <summary>Copies rows already stored as <paramref name="type"/> without re-quantizing; false when they are not.</summary>
    bool TryCopyRaw(GgmlType type, long firstRow, int rowCount, Span<byte> destination) => false;

    /// <summary>The rows are converted and will not be read again.</summary>
    void Release(long firstRow, int rowCount) { }
}

/// <summary>A tensor of the GGUF being written: its name, type, ggml shape and where its values come from.</summary>
public sealed record OutputTensor(string Name, GgmlType Type, long[] Dimensions, IRowSource Source)
{
    public long RowLength => Dimensions[0];
    public long RowCount => Dimensions.Aggregate(1L, (a, b) => a * b) / RowLength;
    public long RowBytes => GgmlTypeInfo.RowBytes(Type, RowLength);
}
