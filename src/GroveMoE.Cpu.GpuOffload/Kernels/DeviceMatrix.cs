using ILGPU;

namespace GroveMoE.Cpu.GpuOffload.Kernels;

/// <summary>
/// Weights on the device as the ggml blocks of the file (no dequantised copy): one or more matrices of
/// <see cref="Rows"/> rows, matrix m row r starting at byte m * MatrixBytes + r * RowBytes. Passed to kernels by value.
/// </summary>
internal struct DeviceMatrix
{
    public ArrayView<byte> Data;
    public int Type;
    public int Rows;
    public int Columns;
    public long RowBytes;
    public long MatrixBytes;

    public readonly long RowOffset(int matrix, int row) => matrix * MatrixBytes + row * RowBytes;
}
