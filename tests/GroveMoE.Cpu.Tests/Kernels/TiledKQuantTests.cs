using System.Buffers.Binary;
using System.Runtime.InteropServices;
using GroveMoE.Cpu.Kernels;
using GroveMoE.Cpu.Quantization;
using GroveMoE.Cpu.Tests.Reference;

namespace GroveMoE.Cpu.Tests.Kernels;

/// <summary>
/// The tiled layout of the formats beyond Q4_0/Q8_0 and both kernel shapes (row·vector, four-token GEMM and its
/// leftovers) on every ISA path, against Σ_b dx_b·Σ_j w_j·q_j in float64 with w decoded by the float64 reference:
/// random bit patterns, rows our quantizer wrote, and extreme blocks (every quant and scale bit set or clear, huge,
/// subnormal, zero and negative f16 scales) against activations at ±127; row counts that leave a padded last group.
/// </summary>
public sealed unsafe class TiledKQuantTests
{
    public enum Blocks { Random, Quantized, Extreme }

    private static readonly GgmlType[] Types =
    [
        GgmlType.Q2_K, GgmlType.Q3_K, GgmlType.Q4_K, GgmlType.Q5_K, GgmlType.Q6_K, GgmlType.IQ4_XS,
        GgmlType.Q4_1, GgmlType.Q5_0, GgmlType.Q5_1, GgmlType.IQ4_NL,
    ];

    /// <summary>Row counts, and lengths in units of 32 (whole super-blocks for the 256-formats, odd counts for the others).</summary>
    public static TheoryData<GgmlType, int, int, Blocks> Cases()
    {
        var data = new TheoryData<GgmlType, int, int, Blocks>();
        foreach (var type in Types)
        {
            bool super = GgmlTypeInfo.BlockSize(type) == 256;
            data.Add(type, 37, super ? 8 : 7, Blocks.Random);
            data.Add(type, 16, 24, Blocks.Quantized);
            data.Add(type, 5, super ? 16 : 3, Blocks.Extreme);
            data.Add(type, 33, super ? 64 : 65, Blocks.Random);
        }
        return data;
    }

    [Theory, MemberData(nameof(Cases))]
    public void Scalar(GgmlType type, int rows, int units, Blocks blocks) => Check(KernelPath.Scalar, type, rows, units, blocks);

    [KernelPathTheory(KernelPath.Vector256), MemberData(nameof(Cases))]
    public void Vector256(GgmlType type, int rows, int units, Blocks blocks) => Check(KernelPath.Vector256, type, rows, units, blocks);

    [KernelPathTheory(KernelPath.Vector256Vnni), MemberData(nameof(Cases))]
    public void Vector256Vnni(GgmlType type, int rows, int units, Blocks blocks) => Check(KernelPath.Vector256Vnni, type, rows, units, blocks);

    [KernelPathTheory(KernelPath.Vector512), MemberData(nameof(Cases))]
    public void Vector512(GgmlType type, int rows, int units, Blocks blocks) => Check(KernelPath.Vector512, type, rows, units, blocks);

    /// <summary>Byte offsets of each format's f16 fields within a block.</summary>
    internal static int[] HalfFields(GgmlType type) => type switch
    {
        GgmlType.Q4_K or GgmlType.Q5_K or GgmlType.Q4_1 or GgmlType.Q5_1 => [0, 2],
        GgmlType.Q6_K => [208],
        GgmlType.Q2_K => [80, 82],
        GgmlType.Q3_K => [108],
        _ => [0],
    };

    /// <summary>
    /// A bound on |scale·u|, |scale·Offset| and |min| of any value of a block, from its f16 fields: what the kernels
    /// multiply with an activation quant before summing in float.
    /// </summary>
    private static double TermBound(GgmlType type, ReadOnlySpan<byte> block)
    {
        return type switch
        {
            GgmlType.Q4_K => Half(block, 0) * 63 * 15 + Half(block, 2) * 63,
            GgmlType.Q5_K => Half(block, 0) * 63 * 31 + Half(block, 2) * 63,
            GgmlType.Q6_K => Half(block, 208) * 128 * (63 + 32),
            GgmlType.Q2_K => Half(block, 80) * 15 * 3 + Half(block, 82) * 15,
            GgmlType.Q3_K => Half(block, 108) * 32 * (7 + 4),
            GgmlType.IQ4_XS => Half(block, 0) * 32 * (255 + 128),
            GgmlType.Q4_1 => Half(block, 0) * 15 + Half(block, 2),
            GgmlType.Q5_1 => Half(block, 0) * 31 + Half(block, 2),
            GgmlType.Q5_0 => Half(block, 0) * (31 + 16),
            GgmlType.IQ4_NL => Half(block, 0) * (255 + 128),
            _ => throw new ArgumentOutOfRangeException(nameof(type)),
        };
    }

    private static double Half(ReadOnlySpan<byte> block, int at) =>
        Math.Abs(ReferenceDequantizer.HalfBits(BinaryPrimitives.ReadUInt16LittleEndian(block[at..])));

    internal static byte[] RandomRow(GgmlType type, int values, Random random, Blocks kind)
    {
        var row = new byte[GgmlTypeInfo.RowBytes(type, values)];
        if (kind == Blocks.Quantized)
        {
            var x = Enumerable.Range(0, values).Select(_ => (float)(random.NextDouble() * 2 - 1) * (random.Next(10) == 0 ? 5 : 1)).ToArray();
            RowCodec.Quantize(type, x, row);
            return row;
        }
        int blockBytes = GgmlTypeInfo.BlockBytes(type);
        for (int at = 0; at < row.Length; at += blockBytes)
        {
            if (kind == Blocks.Extreme) row.AsSpan(at, blockBytes).Fill(random.Next(2) == 0 ? (byte)0 : (byte)0xFF);
            else random.NextBytes(row.AsSpan(at, blockBytes));
            foreach (int field in HalfFields(type))
            {
                Half scale = kind != Blocks.Extreme
                    ? (Half)(Math.Pow(2, random.Next(-12, 2)) * (0.5 + random.NextDouble()) * (random.Next(2) == 0 ? -1 : 1))
                    : random.Next(4) switch
                    {
                        0 => (Half)(random.Next(2) == 0 ? 1000.0 : -1000.0),
                        1 => BitConverter.UInt16BitsToHalf((ushort)random.Next(1, 0x400)),          // subnormal
                        2 => random.Next(2) == 0 ? (Half)0 : BitConverter.UInt16BitsToHalf(0x8000), // ±0
                        _ => (Half)(-(float)random.NextDouble()),
                    };
                BinaryPrimitives.WriteHalfLittleEndian(row.AsSpan(at + field), scale);
            }
        }
        return row;
    }

    private static void Check(KernelPath path, GgmlType type, int rows, int units, Blocks kind)
    {
        var random = new Random(HashCode.Combine(path, type, rows, units, kind));
        int blockValues = GgmlTypeInfo.BlockSize(type), blockBytes = GgmlTypeInfo.BlockBytes(type);
        int columns = units * 32, rowBytes = (int)GgmlTypeInfo.RowBytes(type, columns);
        var matrix = Enumerable.Range(0, rows).Select(_ => RandomRow(type, columns, random, kind)).ToArray();
        var weights = matrix.Select(row => ReferenceDequantizer.Row(type, row, columns)).ToArray();
        const int inputs = 9;
        var x = KernelReference.RandomActivations(inputs, columns, random, extreme: kind == Blocks.Extreme);

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
            input.Reshape(inputs, columns);
            KernelReference.CopyActivations(x, input.Quantized);
            int stride = rows + 2;
            var alone = new float[inputs * stride];
            for (int i = 0; i < inputs; i++) MatMul.Rows(w, 0, rows, input, [i], alone.AsSpan(i * stride), stride, new float[columns], path);

            // Every input count up to nine: the four-token kernel, its two- and three-token leftovers, one token;
            // a token's result is bit for bit its lone one whatever it is grouped with (batched decode relies on it).
            for (int count = 1; count <= inputs; count++)
            {
                var picks = Enumerable.Range(0, count).Select(_ => random.Next(inputs)).ToArray();
                var output = new float[count * stride];
                MatMul.Rows(w, 0, rows, input, picks, output, stride, new float[columns], path);
                for (int i = 0; i < count; i++)
                for (int r = 0; r < rows; r++)
                {
                    double expected = 0, magnitude = 0;
                    for (int u = 0; u < units; u++)
                    {
                        double dot = 0, absolute = 0;
                        for (int j = 0; j < 32; j++)
                        {
                            int q = x.Quants[picks[i] * columns + 32 * u + j];
                            dot += weights[r][32 * u + j] * q;
                            absolute += Math.Abs(q);
                        }
                        double dx = x.Scales[picks[i] * units + u];
                        int block = 32 * u / blockValues;
                        expected += dx * dot;
                        magnitude += Math.Abs(dx) * TermBound(type, matrix[r].AsSpan(block * blockBytes, blockBytes)) * absolute;
                    }
                    double tolerance = (units + 32) * Math.Pow(2, -24) * magnitude;
                    float got = output[i * stride + r];
                    Assert.True(Math.Abs(got - expected) <= tolerance,
                        $"{path} {type} {kind} {rows}x{columns}, {count} inputs, input {i} row {r}: got {got}, expected {expected} ± {tolerance}");
                    Assert.True(BitConverter.SingleToInt32Bits(got) == BitConverter.SingleToInt32Bits(alone[picks[i] * stride + r]),
                        $"{path} {type} {count} inputs, input {i} row {r}: {got:R} in a group, {alone[picks[i] * stride + r]:R} alone");
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
