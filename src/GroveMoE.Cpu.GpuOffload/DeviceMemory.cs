using System.Runtime.CompilerServices;
using GroveMoE.Cpu.GpuOffload.Kernels;
using GroveMoE.Cpu.Kernels;
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

    public ArrayView<T> Upload<T>(T[] values) where T : unmanaged
    {
        var view = Allocate<T>(values.Length);
        if (values.Length > 0) view.CopyFromCPU(ref values[0], values.Length);
        return view;
    }

    /// <summary>Copies the raw ggml blocks of <paramref name="count"/> consecutive matrices starting at <paramref name="first"/>.</summary>
    public unsafe DeviceMatrix Upload(in WeightMatrix first, int count = 1)
    {
        long bytes = first.ByteSize * count;
        var view = Allocate<byte>(bytes);
        view.CopyFromCPU(ref Unsafe.AsRef<byte>(first.Data), bytes);
        return new DeviceMatrix
        {
            Data = view, Type = (int)first.Type, Rows = first.Rows, Columns = first.Columns,
            RowBytes = first.RowBytes, MatrixBytes = first.ByteSize,
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
