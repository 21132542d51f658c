using System.Numerics.Tensors;
using System.Runtime.CompilerServices;
using GroveMoE.Cpu.Kernels.Formats;
using GroveMoE.Cpu.Quantization;

namespace GroveMoE.Cpu.Kernels;

/// <summary>
/// output[i, r] = W[r] · input[rows[i]] for a range of weight rows and a list of input rows. Each weight row
/// is read once for all input rows, and quantized rows go four input rows at a time through the multi-row
/// kernels, so a batch (prefill, or the decode rows of several sequences) costs one pass over the weights and one
/// unpacking of each block per four tokens. Every path's four-row kernel gives each row exactly the one-row kernel's
/// result, so how the rows fall into groups never changes a row's output.
/// </summary>
internal static unsafe class MatMul
{
    private const int Group = 4;

    /// <param name="scratch">At least <c>w.Columns</c> floats, private to the calling worker.</param>
    /// <param name="path">The instruction-set path (tests and benchmarks); default: the fastest for the layout.</param>
    public static void Rows(in WeightMatrix w, int rowStart, int rowEnd, BatchInput input, ReadOnlySpan<int> inputRows,
        Span<float> output, int outputStride, Span<float> scratch, KernelPath? path = null)
    {
        switch (w.Type)
        {
            case var _ when w.IsTiled:
            {
                var action = new TiledAction(w, rowStart, rowEnd, input.Quantized, inputRows, output, outputStride, path);
                TiledFormats.Dispatch<TiledAction, bool>(w.Type, ref action);
                break;
            }
            case GgmlType.Q4_0:
            case GgmlType.Q8_0:
                QuantizedRows(path ?? KernelPaths.Best, w, rowStart, rowEnd, input.Quantized, inputRows, output, outputStride);
                break;
            case var type when QuantizedDot.HasRowKernel(type):
                RowKernelRows(w, rowStart, rowEnd, input.Quantized, inputRows, output, outputStride);
                break;
            default:
            {
                // F32/F16/BF16, and the block formats without row-layout integer kernels (Q2_K, Q3_K, Q4_1, Q5_0, Q5_1:
                // --no-repack), decoded per row to floats.
                int cols = w.Columns;
                for (int r = rowStart; r < rowEnd; r++)
                {
                    var rowValues = FloatWeightRow.AsFloats(w.Type, w.RowBytesSpan(r), scratch);
                    for (int i = 0; i < inputRows.Length; i++)
                        output[i * outputStride + r] = TensorPrimitives.Dot(rowValues, input.Floats.AsSpan(inputRows[i] * cols, cols));
                }
                break;
            }
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void QuantizedRows(KernelPath path, in WeightMatrix w, int rowStart, int rowEnd, Q8Activations q, ReadOnlySpan<int> inputRows,
        Span<float> output, int outputStride)
    {
        int n = inputRows.Length;
        int cols = w.Columns;
        int blocks = cols / Q8Activations.BlockSize;
        bool q4 = w.Type == GgmlType.Q4_0;
        Q8Row* group = stackalloc Q8Row[Group];
        float* results = stackalloc float[Group];
        fixed (sbyte* quants = q.Quants)
        fixed (float* scales = q.Scales)
        fixed (int* sums = q.Sums)
        {
            for (int r = rowStart; r < rowEnd; r++)
            {
                byte* row = w.Row(r);
                for (int i = 0; i < n;)
                {
                    int count = Math.Min(Group, n - i);
                    if (count == 1)
                    {
                        var x = RowOf(quants, scales, sums, inputRows[i], cols);
                        output[i * outputStride + r] = q4 ? QuantizedDot.Q4_0(path, row, x, blocks) : QuantizedDot.Q8_0(path, row, x, blocks);
                        i++;
                        continue;
                    }
                    // Two or three left over still go through the four-row kernel (the last row repeated): one
                    // unpacking of the weight block costs less than two or three single-row passes.
                    for (int k = 0; k < Group; k++) group[k] = RowOf(quants, scales, sums, inputRows[i + Math.Min(k, count - 1)], cols);
                    if (q4) QuantizedDot.Q4_0x4(path, row, group, blocks, results);
                    else QuantizedDot.Q8_0x4(path, row, group, blocks, results);
                    for (int k = 0; k < count; k++) output[(i + k) * outputStride + r] = results[k];
                    i += count;
                }
            }
        }
    }

    /// <summary>One kernel call per weight row and input row: the weight row stays in L1 while the inputs stream past it.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void RowKernelRows(in WeightMatrix w, int rowStart, int rowEnd, Q8Activations q, ReadOnlySpan<int> inputRows,
        Span<float> output, int outputStride)
    {
        int cols = w.Columns, blocks = cols / Q8Activations.BlockSize;
        var type = w.Type;
        fixed (sbyte* quants = q.Quants)
        fixed (float* scales = q.Scales)
        fixed (int* sums = q.Sums)
        {
            for (int r = rowStart; r < rowEnd; r++)
            {
                byte* row = w.Row(r);
                for (int i = 0; i < inputRows.Length; i++)
                    output[i * outputStride + r] = QuantizedDot.Row(type, row, RowOf(quants, scales, sums, inputRows[i], cols), blocks);
            }
        }
    }

    /// <summary>Rows [rowStart, rowEnd) of a tiled matrix; rowStart is a multiple of the group size.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void TiledRows<TFormat>(KernelPath path, in WeightMatrix w, int rowStart, int rowEnd, Q8Activations q, ReadOnlySpan<int> inputRows,
        Span<float> output, int outputStride) where TFormat : struct, IQuantFormat
    {
        const int chunk = 256;
        int groupStart = rowStart / TileLayout.GroupRows, groupEnd = TileLayout.Groups(rowEnd);
        Q8Row* x = stackalloc Q8Row[chunk];
        fixed (sbyte* quants = q.Quants)
        fixed (float* scales = q.Scales)
        fixed (int* sums = q.Sums)
        fixed (int* lowSums = q.LowSums)
        fixed (float* o = output)
        {
            for (int start = 0, end; start < inputRows.Length; start = end)
            {
                end = Math.Min(inputRows.Length, start + chunk);
                int n = end - start;
                for (int i = 0; i < n; i++) x[i] = RowOf(quants, scales, sums, inputRows[start + i], w.Columns, lowSums);
                TileKernels.Run<TFormat>(path, w.Tiles, Math.Min(w.Rows, rowEnd), w.Columns, groupStart, groupEnd,
                    x, n, o + (long)start * outputStride, outputStride);
            }
        }
    }

    private readonly ref struct TiledAction(in WeightMatrix w, int rowStart, int rowEnd, Q8Activations q, ReadOnlySpan<int> inputRows,
        Span<float> output, int outputStride, KernelPath? path) : IFormatAction<bool>
    {
        private readonly WeightMatrix _w = w;
        private readonly ReadOnlySpan<int> _inputRows = inputRows;
        private readonly Span<float> _output = output;

        public bool Run<TFormat>() where TFormat : struct, IQuantFormat
        {
            TiledRows<TFormat>(path ?? TilePath<TFormat>.Best, _w, rowStart, rowEnd, q, _inputRows, _output, outputStride);
            return true;
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Q8Row RowOf(sbyte* quants, float* scales, int* sums, int row, int cols, int* lowSums = null)
    {
        long blocks = cols / Q8Activations.BlockSize;
        return new(quants + (long)row * cols, scales + row * blocks, sums + row * blocks, lowSums == null ? null : lowSums + row * blocks);
    }
}

/// <summary>The tiled kernels' path for one format, chosen once.</summary>
internal static class TilePath<TFormat> where TFormat : struct, IQuantFormat
{
    public static readonly KernelPath Best = KernelPaths.BestTiled(TFormat.WeightBits);
}
