using GroveMoE.Cpu.Conversion.SafeTensors;

namespace GroveMoE.Quantizer.Conversion;

/// <summary>
/// The rows of one GGUF tensor read from Hugging Face tensors: one tensor, or several stacked (the experts,
/// each [out, in], one after another), converted from BF16/F16/F32 as they are read.
/// </summary>
public sealed class SafeTensorsRowSource(IReadOnlyList<(SafeTensorsFile File, SafeTensorInfo Info)> pieces, long rowLength) : IRowSource
{
    private readonly long _rowsPerPiece = pieces[0].Info.ElementCount / rowLength;

    public void ReadRows(long firstRow, int rowCount, Span<float> destination)
    {
        foreach (var (file, info, first, count, at) in Segments(firstRow, rowCount))
            file.ReadFloats(info, first, destination.Slice(at, count));
    }

    public void Release(long firstRow, int rowCount)
    {
        foreach (var (file, info, first, count, _) in Segments(firstRow, rowCount)) file.Release(info, first, count);
    }

    /// <summary>The pieces a row range crosses: element range within each piece and where it lands in the output.</summary>
    private IEnumerable<(SafeTensorsFile File, SafeTensorInfo Info, long FirstElement, int Count, int At)> Segments(long firstRow, int rowCount)
    {
        int done = 0;
        while (done < rowCount)
        {
            long row = firstRow + done;
            long rowInPiece = row % _rowsPerPiece;
            int rows = (int)Math.Min(rowCount - done, _rowsPerPiece - rowInPiece);
            var (file, info) = pieces[(int)(row / _rowsPerPiece)];
            yield return (file, info, rowInPiece * rowLength, (int)(rows * rowLength), (int)(done * rowLength));
            done += rows;
        }
    }
}
