using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using GroveMoE.Cpu.Gguf;
using GroveMoE.Cpu.GpuOffload.Kernels;
using ILGPU;
using ILGPU.Runtime;

namespace GroveMoE.Cpu.GpuOffload;

/// <summary>
/// Allocates device buffers against a byte budget, turning the accelerator's out-of-memory failures into
/// <see cref="DeviceOutOfMemoryException"/>, and frees them all on dispose.
/// </summary>
internal sealed class DeviceMemory(Accelerator accelerator, long budgetBytes) : IDisposable
{
    private readonly List<MemoryBuffer> _buffers = [];

    public long AllocatedBytes { get; private set; }

    public ArrayView<T> Allocate<T>(long length) where T : unmanaged
    {
        long bytes = Math.Max(1, length) * Unsafe.SizeOf<T>();
        if (AllocatedBytes + bytes > budgetBytes)
            throw new DeviceOutOfMemoryException($"{bytes} more bytes exceed the device budget of {budgetBytes}");
        try
        {
            var buffer = accelerator.Allocate1D<T>(Math.Max(1, length));
            _buffers.Add(buffer);
            AllocatedBytes += bytes;
            return buffer.View;
        }
        catch (Exception e) when (e is AcceleratorException or OutOfMemoryException)
        {
            throw new DeviceOutOfMemoryException(e.Message, e);
        }
    }

    public ArrayView<T> Upload<T>(ReadOnlySpan<T> values) where T : unmanaged
    {
        var view = Allocate<T>(values.Length);
        if (values.Length > 0) view.SubView(0, values.Length).CopyFromCPU(ref MemoryMarshal.GetReference(values), values.Length);
        return view;
    }

    /// <summary>
    /// Copies a tensor's raw ggml blocks: one matrix or, for a 3-D expert stack, every matrix in turn (matrix m row r
    /// at byte m * MatrixBytes + r * RowBytes), in pieces under 2 GiB.
    /// </summary>
    public DeviceMatrix Upload(GgufTensor tensor)
    {
        long rows = tensor.Info.RowCount, rowBytes = tensor.RowBytes;
        var view = Allocate<byte>(rows * rowBytes);
        int rowsPerPiece = (int)Math.Max(1, Math.Min(rows, int.MaxValue / rowBytes));
        for (long row = 0; row < rows; row += rowsPerPiece)
        {
            var piece = tensor.Rows(row, (int)Math.Min(rowsPerPiece, rows - row));
            view.SubView(row * rowBytes, piece.Length).CopyFromCPU(ref MemoryMarshal.GetReference(piece), piece.Length);
        }
        int matrixRows = checked((int)(tensor.Dimensions.Length > 1 ? tensor.Dimensions[1] : 1));
        return new DeviceMatrix
        {
            Data = view, Type = (int)tensor.Type, Rows = matrixRows, Columns = checked((int)tensor.Dimensions[0]),
            RowBytes = rowBytes, MatrixBytes = matrixRows * rowBytes,
        };
    }

    public DeviceActivations Activations(int rows, int columns) => new()
    {
        Floats = Allocate<float>((long)rows * columns),
        Quants = Allocate<sbyte>((long)rows * columns),
        Scales = Allocate<float>((long)rows * columns / 32),
        Sums = Allocate<int>((long)rows * columns / 32),
        Columns = columns,
    };

    public void Dispose()
    {
        foreach (var buffer in _buffers) buffer.Dispose();
        _buffers.Clear();
        AllocatedBytes = 0;
    }
}
