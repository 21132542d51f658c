using System.Buffers.Binary;
using GroveMoE.Cpu.Kernels;
using GroveMoE.Cpu.Quantization;

namespace GroveMoE.Cpu.Tests.Kernels;

/// <summary>MatMul.Rows (which groups input rows by four) against float64 dots for every weight type.</summary>
public sealed unsafe class MatMulTests
{
    [Theory]
    [InlineData(GgmlType.Q4_0, 1)]
    [InlineData(GgmlType.Q4_0, 6)]
    [InlineData(GgmlType.Q4_0, 9)]
    [InlineData(GgmlType.Q4_0, 2)]
    [InlineData(GgmlType.Q4_0, 7)]
    [InlineData(GgmlType.Q8_0, 1)]
    [InlineData(GgmlType.Q8_0, 6)]
    [InlineData(GgmlType.Q8_0, 9)]
    [InlineData(GgmlType.Q8_0, 3)]
    [InlineData(GgmlType.F32, 5)]
    [InlineData(GgmlType.F16, 5)]
    [InlineData(GgmlType.BF16, 5)]
    public void RowsMatchFloat64(GgmlType type, int inputCount)
    {
        const int weightRows = 13, cols = 160, batch = 10;
        var random = new Random((int)type * 100 + inputCount);
        var values = new float[weightRows * cols];
        for (int i = 0; i < values.Length; i++) values[i] = (float)(random.NextDouble() * 2 - 1);
        byte[] encoded = RowCodec.QuantizeMatrix(type, values, cols);
        var pinned = GC.AllocateArray<byte>(encoded.Length, pinned: true);
        encoded.CopyTo(pinned, 0);

        var input = new BatchInput(batch, cols);
        var floats = new float[batch * cols];
        for (int i = 0; i < floats.Length; i++) floats[i] = (float)(random.NextDouble() * 4 - 2);
        input.Load(floats, batch, cols);
        var inputRows = Enumerable.Range(0, inputCount).Select(_ => random.Next(batch)).ToArray();

        const int stride = weightRows + 3, rowStart = 2, rowEnd = 11;
        var output = new float[inputCount * stride];
        fixed (byte* data = pinned)
        {
            var w = new WeightMatrix(type, data, weightRows, cols);
            MatMul.Rows(w, rowStart, rowEnd, input, inputRows, output, stride, new float[cols]);
        }

        for (int i = 0; i < inputCount; i++)
        for (int r = 0; r < weightRows; r++)
        {
            float got = output[i * stride + r];
            if (r < rowStart || r >= rowEnd)
            {
                Assert.Equal(0f, got);
                continue;
            }
            var rowBytes = pinned.AsSpan(r * (int)GgmlTypeInfo.RowBytes(type, cols), (int)GgmlTypeInfo.RowBytes(type, cols)).ToArray();
            double expected, magnitude, tolerance;
            if (type is GgmlType.Q4_0 or GgmlType.Q8_0)
            {
                var x = new KernelReference.Activations(1, cols);
                input.Quantized.RowQuants(inputRows[i]).CopyTo(x.Quants);
                input.Quantized.RowScales(inputRows[i]).CopyTo(x.Scales);
                (expected, magnitude) = KernelReference.Dot(type, rowBytes, x, 0);
                tolerance = KernelReference.Tolerance(cols / 32, magnitude, unitScales: false);
            }
            else
            {
                expected = magnitude = 0;
                for (int c = 0; c < cols; c++)
                {
                    double term = FloatWeight(type, rowBytes, c) * floats[inputRows[i] * cols + c];
                    expected += term;
                    magnitude += Math.Abs(term);
                }
                // One rounding per product and per addition (TensorPrimitives.Dot may use FMA: fewer).
                tolerance = (cols + 2) * Math.Pow(2, -24) * magnitude;
            }
            Assert.True(Math.Abs(got - expected) <= tolerance, $"{type} input {i} row {r}: got {got}, expected {expected} ± {tolerance}");
        }
    }

    private static double FloatWeight(GgmlType type, byte[] row, int c) => type switch
    {
        GgmlType.F32 => BinaryPrimitives.ReadSingleLittleEndian(row.AsSpan(c * 4)),
        GgmlType.F16 => (double)BinaryPrimitives.ReadHalfLittleEndian(row.AsSpan(c * 2)),
        _ => BitConverter.Int32BitsToSingle(BinaryPrimitives.ReadUInt16LittleEndian(row.AsSpan(c * 2)) << 16),
    };
}
