using System.Runtime.InteropServices;
using GroveMoE.Cpu.Gguf;
using Microsoft.Win32.SafeHandles;

namespace GroveMoE.Cpu.Kernels;

/// <summary>
/// The tiled copies of a model's quantized tensors (<see cref="TileLayout"/>), made at load tensor by tensor on all
/// cores. The source rows are read with plain file reads into a small buffer per worker, not through the mapping,
/// so the file's pages never enter this process's resident set (and cost no page faults): memory stays about one
/// model's size rather than two. Owns the copies; the model disposes it.
/// </summary>
internal sealed unsafe class TiledWeights(GgufFile file) : IDisposable
{
    /// <summary>Rows read per work item: about a megabyte of Q4_0 at 2048 columns, whole groups.</summary>
    private const int ChunkRows = 64 * TileLayout.GroupRows;

    private readonly List<nint> _allocations = [];
    private readonly SafeFileHandle _handle = File.OpenHandle(file.Path, FileMode.Open, FileAccess.Read, FileShare.Read);

    public long Bytes { get; private set; }

    /// <summary>The tiled copy of <paramref name="tensor"/> (2-D, or 3-D: one tiled matrix per expert).</summary>
    public byte* Tile(GgufTensor tensor)
    {
        var first = WeightMatrix.From(tensor);
        int matrices = tensor.Dimensions.Length > 2 ? checked((int)tensor.Dimensions[2]) : 1;
        long matrixBytes = TileLayout.MatrixBytes(first.Type, first.Rows, first.Columns);
        var tiles = (byte*)NativeMemory.AlignedAlloc((nuint)checked(matrixBytes * matrices), 4096);
        _allocations.Add((nint)tiles);
        Bytes += matrixBytes * matrices;
        MemoryAdvice.PreferHugePages(tiles, matrixBytes * matrices);

        int chunks = (first.Rows + ChunkRows - 1) / ChunkRows;
        long fileOffset = file.DataStart + tensor.Info.Offset;
        Parallel.For(0, chunks * matrices,
            () => (nint)NativeMemory.AlignedAlloc((nuint)((long)ChunkRows * first.RowBytes), 64),
            (item, _, buffer) =>
            {
                int m = item / chunks, startRow = item % chunks * ChunkRows;
                int rows = Math.Min(ChunkRows, first.Rows - startRow);
                var span = new Span<byte>((void*)buffer, rows * first.RowBytes);
                long at = fileOffset + m * first.ByteSize + (long)startRow * first.RowBytes;
                for (int read = 0; read < span.Length;)
                {
                    int n = RandomAccess.Read(_handle, span[read..], at + read);
                    if (n <= 0) throw new GgufFormatException(at + read, $"tensor '{tensor.Name}' ends past the end of the file");
                    read += n;
                }
                // A matrix view whose rows [startRow, startRow + rows) are the buffer; only those are read.
                var source = new WeightMatrix(first.Type, (byte*)buffer - (long)startRow * first.RowBytes, first.Rows, first.Columns);
                int group = startRow / TileLayout.GroupRows;
                TileLayout.Pack(source, tiles + m * matrixBytes, group, group + TileLayout.Groups(rows));
                return buffer;
            },
            buffer => NativeMemory.AlignedFree((void*)buffer));
        return tiles;
    }

    public void Dispose()
    {
        foreach (var p in _allocations) NativeMemory.AlignedFree((void*)p);
        _allocations.Clear();
        _handle.Dispose();
    }
}
