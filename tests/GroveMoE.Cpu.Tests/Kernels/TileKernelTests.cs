using System.Buffers.Binary;
using System.Runtime.InteropServices;
using GroveMoE.Cpu.Kernels;
using GroveMoE.Cpu.Quantization;

namespace GroveMoE.Cpu.Tests.Kernels;

/// <summary>
/// The tiled layout and both kernel shapes (row·vector, four-token GEMM and its leftovers) on every ISA path,
/// against the float64 ggml definition of the rows as the file stores them. Row counts that are not multiples of
/// the group size exercise the padded last group; subnormal, zero and negative scales exercise the f16 widening.
/// Every input's output is also bit for bit its output alone (one token, the row·vector kernel), whatever group
/// of four it falls in: batched decoding relies on it.
/// </summary>
public sealed unsafe class TileKernelTests
{
    public static TheoryData<GgmlType, int, int, QuantizedDotTests.Values> Cases()
    {
        var data = new TheoryData<GgmlType, int, int, QuantizedDotTests.Values>();
        foreach (var type in new[] { GgmlType.Q4_0, GgmlType.Q8_0 })
        {
            data.Add(type, 37, 3, QuantizedDotTests.Values.Random);
            data.Add(type, 16, 64, QuantizedDotTests.Values.Random);
            data.Add(type, 5, 1, QuantizedDotTests.Values.Random);
            data.Add(type, 33, 7, QuantizedDotTests.Values.Extreme);
            data.Add(type, 48, 65, QuantizedDotTests.Values.UnitScales);
        }
        return data;
    }

    [Theory, MemberData(nameof(Cases))]
    public void Scalar(GgmlType type, int rows, int blocks, QuantizedDotTests.Values values) => Check(KernelPath.Scalar, type, rows, blocks, values);

    [KernelPathTheory(KernelPath.Vector256), MemberData(nameof(Cases))]
    public void Vector256(GgmlType type, int rows, int blocks, QuantizedDotTests.Values values) => Check(KernelPath.Vector256, type, rows, blocks, values);

    [KernelPathTheory(KernelPath.Vector256Vnni), MemberData(nameof(Cases))]
    public void Vector256Vnni(GgmlType type, int rows, int blocks, QuantizedDotTests.Values values) => Check(KernelPath.Vector256Vnni, type, rows, blocks, values);

    [KernelPathTheory(KernelPath.Vector512), MemberData(nameof(Cases))]
    public void Vector512(GgmlType type, int rows, int blocks, QuantizedDotTests.Values values) => Check(KernelPath.Vector512, type, rows, blocks, values);

    [Theory]
    [InlineData(GgmlType.Q4_0)]
    [InlineData(GgmlType.Q8_0)]
    public void SubnormalZeroAndNegativeScalesOnEveryPath(GgmlType type)
    {
        foreach (var path in KernelPaths.Supported()) Check(path, type, 21, 5, QuantizedDotTests.Values.Random, oddScales: true);
    }

    private static void Check(KernelPath path, GgmlType type, int rows, int blocks, QuantizedDotTests.Values values, bool oddScales = false)
    {
        var random = new Random(HashCode.Combine(path, type, rows, blocks, values, oddScales));
        bool extreme = values == QuantizedDotTests.Values.Extreme, unit = values == QuantizedDotTests.Values.UnitScales;
        int columns = blocks * 32, rowBytes = blocks * KernelReference.BlockBytes(type);
        var matrix = new byte[rows][];
        for (int r = 0; r < rows; r++)
        {
            matrix[r] = KernelReference.RandomRow(type, blocks, random, extreme, unit);
            if (oddScales)
            {
                for (int b = 0; b < blocks; b++)
                {
                    Half scale = random.Next(3) switch
                    {
                        0 => BitConverter.UInt16BitsToHalf((ushort)random.Next(1, 0x400)),            // subnormal
                        1 => random.Next(2) == 0 ? (Half)0 : BitConverter.UInt16BitsToHalf(0x8000),   // ±0
                        _ => (Half)(-(float)random.NextDouble()),
                    };
                    BinaryPrimitives.WriteHalfLittleEndian(matrix[r].AsSpan(b * KernelReference.BlockBytes(type)), scale);
                }
            }
        }
        const int inputs = 9;
        var x = KernelReference.RandomActivations(inputs, columns, random, extreme, unit);

        long tiledBytes = TileLayout.MatrixBytes(type, rows, columns);
        var plain = (byte*)NativeMemory.AlignedAlloc((nuint)(rows * rowBytes), 64);
        var tiles = (byte*)NativeMemory.AlignedAlloc((nuint)tiledBytes, 64);
        try
        {
            for (int r = 0; r < rows; r++) matrix[r].CopyTo(new Span<byte>(plain + r * rowBytes, rowBytes));
            var w = new WeightMatrix(type, plain, rows, columns);
            TileLayout.Pack(w, tiles, 0, TileLayout.Groups(rows));
            w = w.WithTiles(tiles);

            var input = new BatchInput(inputs, columns);
            KernelReference.CopyActivations(x, input.Quantized);
            input.Reshape(inputs, columns);
            int stride = rows + 2;
            var alone = new float[inputs * stride];
            for (int i = 0; i < inputs; i++) MatMul.Rows(w, 0, rows, input, [i], alone.AsSpan(i * stride), stride, new float[columns], path);

            // Every input count up to nine: the four-token kernel, its two- and three-token leftovers, one token.
            for (int count = 1; count <= inputs; count++)
            {
                var picks = Enumerable.Range(0, count).Select(_ => random.Next(inputs)).ToArray();
                var output = new float[count * stride];
                MatMul.Rows(w, 0, rows, input, picks, output, stride, new float[columns], path);
                for (int i = 0; i < count; i++)
                for (int r = 0; r < rows; r++)
                {
                    var (expected, magnitude) = KernelReference.Dot(type, matrix[r], x, picks[i]);
                    double tolerance = KernelReference.Tolerance(blocks, magnitude, unit);
                    float got = output[i * stride + r];
                    Assert.True(Math.Abs(got - expected) <= tolerance,
                        $"{path} {type} {rows}x{columns}, {count} inputs, input {i} row {r}: got {got}, expected {expected} ± {tolerance}");
                    float single = alone[picks[i] * stride + r];
                    Assert.True(BitConverter.SingleToInt32Bits(got) == BitConverter.SingleToInt32Bits(single),
                        $"{path} {type} {rows}x{columns}, {count} inputs, input {i} row {r}: {got:R} in a group, {single:R} alone");
                }
                for (int i = 0; i < count; i++) Assert.Equal(0f, output[i * stride + rows]); // nothing written past the rows
            }
        }
        finally
        {
            NativeMemory.AlignedFree(tiles);
            NativeMemory.AlignedFree(plain);
        }
    }
}
