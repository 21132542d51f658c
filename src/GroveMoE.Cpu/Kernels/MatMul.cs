using System.Numerics.Tensors;
using GroveMoE.Cpu.Quantization;

namespace GroveMoE.Cpu.Kernels;

/// <summary>
/// output[i, r] = W[r] · input[rows[i]] for a range of weight rows and a list of input rows. Each weight row
/// is read once for all input rows, so a batch costs one pass over the weights.
/// </summary>
public static unsafe class MatMul
{
    /// <param name="scratch">At least <c>w.Columns</c> floats, private to the calling worker.</param>
    public static void Rows(in WeightMatrix w, int rowStart, int rowEnd, BatchInput input, ReadOnlySpan<int> inputRows,
        Span<float> output, int outputStride, Span<float> scratch)
    {
        int n = inputRows.Length;
        int cols = w.Columns;
        switch (w.Type)
        {
            case GgmlType.Q4_0:
            case GgmlType.Q8_0:
            {
                var q = input.Quantized;
                int blocks = cols / Q8Activations.BlockSize;
                fixed (sbyte* quants = q.Quants)
                fixed (float* scales = q.Scales)
                fixed (int* sums = q.Sums)
                {
                    bool q4 = w.Type == GgmlType.Q4_0;
                    for (int r = rowStart; r < rowEnd; r++)
                    {
                        byte* row = w.Row(r);
                        for (int i = 0; i < n; i++)
                        {
                            int x = inputRows[i];
                            sbyte* qx = quants + (long)x * cols;
                            float* sx = scales + (long)x * blocks;
                            int* mx = sums + (long)x * blocks;
                            output[i * outputStride + r] = q4
                                ? QuantizedDot.Q4_0(row, qx, sx, mx, blocks)
                                : QuantizedDot.Q8_0(row, qx, sx, mx, blocks);
                        }
                    }
                }
                break;
            }
            case GgmlType.F32:
            case GgmlType.F16:
            case GgmlType.BF16:
            {
                var rowValues = scratch[..cols];
                for (int r = rowStart; r < rowEnd; r++)
                {
                    RowCodec.Dequantize(w.Type, w.RowBytesSpan(r), rowValues);
                    for (int i = 0; i < n; i++)
                        output[i * outputStride + r] = TensorPrimitives.Dot(rowValues, input.Floats.AsSpan(inputRows[i] * cols, cols));
                }
                break;
            }
            default:
                throw new NotSupportedException($"{w.Type} weights are not supported by this runtime");
        }
    }
}
