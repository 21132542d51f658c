using GroveMoE.Cpu.Gguf;
using GroveMoE.Cpu.Quantization;

namespace GroveMoE.Quantizer.Conversion;

/// <summary>The rows of a tensor in a mapped GGUF file, dequantized to f32 (or copied when the type stays).</summary>
public sealed class GgufRowSource(GgufTensor tensor) : IRowSource
{
    private readonly long _rowLength = tensor.Info.RowLength;

    public void ReadRows(long firstRow, int rowCount, Span<float> destination)
    {
        for (int r = 0; r < rowCount; r++)
        {
            RowCodec.Dequantize(tensor.Type, tensor.Rows(firstRow + r, 1), destination.Slice((int)(r * _rowLength), (int)_rowLength));
        }
    }

    public bool TryCopyRaw(GgmlType type, long firstRow, int rowCount, Span<byte> destination)
    {
        if (type != tensor.Type) return false;
        tensor.Rows(firstRow, rowCount).CopyTo(destination);
        return true;
    }
}
