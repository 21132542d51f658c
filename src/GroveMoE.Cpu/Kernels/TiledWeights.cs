using System.Runtime.InteropServices;
using GroveMoE.Cpu.Gguf;

namespace GroveMoE.Cpu.Kernels;

/// <summary>
/// The tiled copies of a model's quantized tensors (<see cref="TileLayout"/>), made at load tensor by tensor: each
/// is packed on all cores, then its pages of the mapped file are released, so the resident set stays about one
/// model's size rather than two. Owns the memory; the model disposes it.
/// </summary>
internal sealed unsafe class TiledWeights : IDisposable
{
    private readonly List<nint> _allocations = [];

    public long Bytes { get; private set; }

    /// <summary>The tiled copy of <paramref name="tensor"/> (2-D, or 3-D: one tiled matrix per expert).</summary>
    /// <param name="releaseSource">Release the tensor's mapped pages afterwards (not for a tensor read as rows too, like a tied embedding).</param>
    public byte* Tile(GgufTensor tensor, bool releaseSource)
    {
        var first = WeightMatrix.From(tensor);
        int matrices = tensor.Dimensions.Length > 2 ? checked((int)tensor.Dimensions[2]) : 1;
        long matrixBytes = TileLayout.MatrixBytes(first.Type, first.Rows, first.Columns);
        long bytes = checked(matrixBytes * matrices);
        var tiles = (byte*)NativeMemory.AlignedAlloc((nuint)bytes, 4096);
        _allocations.Add((nint)tiles);
        Bytes += bytes;
        MemoryAdvice.PreferHugePages(tiles, bytes);

        int groups = TileLayout.Groups(first.Rows);
        // Chunks of groups across the cores; each item packs a contiguous range of groups of one matrix.
        int perItem = Math.Max(1, (int)Math.Min(groups, 4096 / Math.Max(1, first.Columns / 32)));
        int itemsPerMatrix = (groups + perItem - 1) / perItem;
        Parallel.For(0, itemsPerMatrix * matrices, item =>
        {
            int m = item / itemsPerMatrix, start = item % itemsPerMatrix * perItem;
            var matrix = WeightMatrix.Slice(tensor, m);
            TileLayout.Pack(matrix, tiles + m * matrixBytes, start, Math.Min(groups, start + perItem));
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
