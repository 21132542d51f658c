using System.Buffers.Binary;
using GroveMoE.Cpu.Kernels;
using GroveMoE.Cpu.Quantization;

namespace GroveMoE.Cpu.Tests.Kernels;

/// <summary>
/// Float64 references straight from the ggml block definitions, and random inputs for the kernel tests.
/// Q4_0 block: f16 d, 16 bytes; weight j &lt; 16 = d·((qs[j] &amp; 15) - 8), weight j ≥ 16 = d·((qs[j-16] &gt;&gt; 4) - 8).
/// Q8_0 block: f16 d, 32 int8; weight j = d·qs[j]. A Q8 activation block: float d, 32 int8.
/// </summary>
internal static class KernelReference
{
    public static int BlockBytes(GgmlType type) => type == GgmlType.Q4_0 ? 18 : 34;

    public static int Weight(GgmlType type, byte[] row, int block, int j)
    {
        int at = block * BlockBytes(type) + 2;
        if (type == GgmlType.Q8_0) return (sbyte)row[at + j];
        return j < 16 ? (row[at + j] & 15) - 8 : (row[at + j - 16] >> 4) - 8;
    }

    public static double WeightScale(GgmlType type, byte[] row, int block) =>
        (double)BinaryPrimitives.ReadHalfLittleEndian(row.AsSpan(block * BlockBytes(type), 2));

    /// <summary>
    /// The exact dot and a bound on the absolute values the kernels add in float. Kernels scale partial integer
    /// sums (vector lanes, not whole blocks) and add those, so the bound is Σ_b |d·dx|·Σ_j |w_j·x_j|; the Q4_0
    /// kernels dot the stored nibbles (|w|+8 at most) and subtract 8·Σx in one lane, hence (|w|+16)·|x| there.
    /// </summary>
    public static (double Value, double Magnitude) Dot(GgmlType type, byte[] row, Activations x, int xRow)
    {
        int blocks = x.Columns / 32;
        double value = 0, magnitude = 0;
        for (int b = 0; b < blocks; b++)
        {
            long integer = 0, absolute = 0;
            for (int j = 0; j < 32; j++)
            {
                int w = Weight(type, row, b, j), q = x.Quants[xRow * x.Columns + b * 32 + j];
                integer += (long)w * q;
                absolute += (Math.Abs(w) + (type == GgmlType.Q4_0 ? 16 : 0)) * (long)Math.Abs(q);
            }
            double scale = WeightScale(type, row, b) * x.Scales[xRow * blocks + b];
            value += scale * integer;
            magnitude += Math.Abs(scale) * absolute;
        }
        return (value, magnitude);
    }

    /// <summary>
    /// Integer parts are exact: a lane sum is below 2^24 and converts to float exactly. Each scaled lane has
    /// at most two roundings (scale product, then FMA), and adding up blocks and lanes takes fewer than
    /// blocks + 32 additions, each off by at most the unit roundoff 2^-24 of the running magnitude. With unit
    /// scales and magnitude below 2^24 every partial sum is an exact float integer, so the result must be exact.
    /// </summary>
    public static double Tolerance(int blocks, double magnitude, bool unitScales) =>
        unitScales && magnitude < (1 << 24) ? 0 : (blocks + 32) * Math.Pow(2, -24) * magnitude;

    public static byte[] RandomRow(GgmlType type, int blocks, Random random, bool extreme, bool unitScales = false)
    {
        int bb = BlockBytes(type);
        var row = new byte[blocks * bb];
        for (int b = 0; b < blocks; b++)
        {
            float scale = (float)(Math.Pow(2, random.Next(-10, 2)) * (0.5 + random.NextDouble())) * (random.Next(2) == 0 ? -1 : 1);
            if (unitScales) scale = 1;
            BinaryPrimitives.WriteHalfLittleEndian(row.AsSpan(b * bb, 2), (Half)scale);
            for (int j = 2; j < bb; j++)
            {
                row[b * bb + j] = !extreme ? (byte)random.Next(256)
                    : type == GgmlType.Q4_0 ? (byte)(random.Next(2) == 0 ? 0x00 : 0xFF)
                    : (byte)(sbyte)(random.Next(2) == 0 ? -128 : 127);
            }
        }
        return row;
    }

    public sealed class Activations(int rows, int columns)
    {
        public readonly int Columns = columns;
        public readonly sbyte[] Quants = new sbyte[rows * columns];
        public readonly float[] Scales = new float[rows * columns / 32];
        public readonly int[] Sums = new int[rows * columns / 32];

        public unsafe Q8Row Row(sbyte* quants, float* scales, int* sums, int row) =>
            new(quants + row * Columns, scales + row * (Columns / 32), sums + row * (Columns / 32));
    }

    /// <summary>Copies <paramref name="x"/> into the kernels' activation buffers, with the sums of each block's first 16 quants.</summary>
    public static void CopyActivations(Activations x, Q8Activations destination)
    {
        x.Quants.AsSpan().CopyTo(destination.Quants);
        x.Scales.AsSpan().CopyTo(destination.Scales);
        x.Sums.AsSpan().CopyTo(destination.Sums);
        for (int b = 0; b < x.Sums.Length; b++)
        {
            int lowSum = 0;
            for (int j = 0; j < 16; j++) lowSum += x.Quants[32 * b + j];
            destination.LowSums[b] = lowSum;
        }
    }

    /// <summary>Random Q8 activations; extreme ones sit at ±127 where the int16 step of AVX2 is closest to saturating.</summary>
    public static Activations RandomActivations(int rows, int columns, Random random, bool extreme, bool unitScales = false)
    {
        var x = new Activations(rows, columns);
        for (int i = 0; i < x.Quants.Length; i++)
            x.Quants[i] = extreme ? (sbyte)(random.Next(2) == 0 ? -127 : 127) : (sbyte)random.Next(-127, 128);
        for (int b = 0; b < x.Scales.Length; b++)
        {
            x.Scales[b] = unitScales ? 1 : (float)(Math.Pow(2, random.Next(-8, 1)) * (0.5 + random.NextDouble()));
            int sum = 0;
            for (int j = 0; j < 32; j++) sum += x.Quants[b * 32 + j];
            x.Sums[b] = sum;
        }
        return x;
    }
}

/// <summary>A theory that is skipped, with the reason, when this CPU cannot run the kernel path.</summary>
public sealed class KernelPathTheoryAttribute : TheoryAttribute
{
    public KernelPathTheoryAttribute(KernelPath path)
    {
        if (!KernelPaths.IsSupported(path))
        {
            Skip = path switch
            {
                KernelPath.Vector512 => "this CPU lacks AVX-512BW (the Vector512 kernels use its byte multiply-add)",
                KernelPath.Vector256Vnni => "this CPU lacks AVX-VNNI",
                _ => "this CPU lacks AVX2/FMA",
            };
        }
    }
}
