using System.Runtime.InteropServices;
using GroveMoE.Cpu.Gguf;

namespace GroveMoE.Cpu.Kernels;

/// <summary>
/// The tiled copies of a model's quantized tensors (<see cref="TileLayout"/>), made at load tensor by tensor on all
/// cores from the mapped file. Owns the copies; the model disposes it.
/// </summary>
internal sealed unsafe class TiledWeights : IDisposable
{
    /// <summary>Rows per work item: about a megabyte of Q4_0 at 2048 columns, whole groups.</summary>
    private const int ChunkRows = 64 * TileLayout.GroupRows;

    private readonly List<nint> _allocations = [];

    public long Bytes { get; private set; }

    /// <summary>The tiled copy of <paramref name="tensor"/> (2-D, or 3-D: one tiled matrix per expert).</summary>
    /// <param name="releaseSource">
    /// Release the tensor's mapped pages afterwards, so the resident set stays about the file's size rather than
    /// twice it (not for a tensor also read as rows, like a tied embedding).
    /// </param>
    public byte* Tile(GgufTensor tensor, bool releaseSource)
    {
        var first = WeightMatrix.From(tensor);
        int matrices = tensor.Dimensions.Length > 2 ? checked((int)tensor.Dimensions[2]) : 1;
        long matrixBytes = TileLayout.MatrixBytes(first.Type, first.Rows, first.Columns);
        var tiles = (byte*)NativeMemory.AlignedAlloc((nuint)checked(matrixBytes * matrices), 4096);
        _allocations.Add((nint)tiles);
        Bytes += matrixBytes * matrices;
        MemoryAdvice.PreferHugePages(tiles, matrixBytes * matrices);

        // Packed straight from the mapped tensor (which may live in any part of a split model).
        int chunks = (first.Rows + ChunkRows - 1) / ChunkRows;
        Parallel.For(0, chunks * matrices, item =>
        {
            int m = item / chunks, startRow = item % chunks * ChunkRows;
            int group = startRow / TileLayout.GroupRows;
            int rows = Math.Min(ChunkRows, first.Rows - startRow);
            TileLayout.Pack(WeightMatrix.Slice(tensor, m), tiles + m * matrixBytes, group, group + TileLayout.Groups(rows));
        });
        if (releaseSource) MemoryAdvice.ReleaseMapped(tensor.Data, tensor.Info.ByteSize);
        return tiles;
    }

    public void Dispose()
    {
        foreach (var p in _allocations) NativeMemory.AlignedFree((void*)p);
        _allocations.Clear();
    }
}
