using GroveMoE.Cpu.Quantization;
using ILGPU;

namespace GroveMoE.Cpu.GpuOffload.Kernels;

/// <summary>
/// Device dot products of one weight row, read from its ggml blocks, with one activation row: Q8_0 and Q4_0
/// against the Q8-quantized activation (integer sums per block, as the CPU kernels), F32/F16/BF16 against floats.
/// </summary>
internal static class WeightDot
{
    public const int F32 = (int)GgmlType.F32, F16 = (int)GgmlType.F16, BF16 = (int)GgmlType.BF16;
    public const int Q4_0 = (int)GgmlType.Q4_0, Q8_0 = (int)GgmlType.Q8_0;

    /// <summary>The weight types these device kernels read; a model with others runs on the CPU.</summary>
    public static bool Supports(GgmlType type) => type is GgmlType.F32 or GgmlType.F16 or GgmlType.BF16 or GgmlType.Q4_0 or GgmlType.Q8_0;

    public static float Dot(in DeviceMatrix w, long rowOffset, in DeviceActivations x, int xRow)
    {
        var data = w.Data;
        int cols = w.Columns;
        float total = 0;
        if (w.Type == Q8_0 || w.Type == Q4_0)
        {
            int blocks = cols / 32;
            long q = (long)xRow * cols;
            long s = (long)xRow * blocks;
            bool q4 = w.Type == Q4_0;
            long blockBytes = q4 ? 18 : 34;
            for (int b = 0; b < blocks; b++)
            {
                long block = rowOffset + b * blockBytes;
                long qx = q + b * 32;
                int sum = 0;
                if (q4)
                {
                    for (int j = 0; j < 16; j++)
                    {
                        int packed = data[block + 2 + j];
                        sum += (packed & 0x0F) * x.Quants[qx + j] + (packed >> 4) * x.Quants[qx + j + 16];
                    }
                    sum -= 8 * x.Sums[s + b];
                }
                else
                {
                    for (int j = 0; j < 32; j++) sum += (sbyte)data[block + 2 + j] * x.Quants[qx + j];
                }
                total += HalfAt(data, block) * x.Scales[s + b] * sum;
            }
            return total;
        }

        long f = (long)xRow * cols;
        for (int i = 0; i < cols; i++) total += WeightAt(data, w.Type, rowOffset, i) * x.Floats[f + i];
        return total;
    }

    /// <summary>
    /// This lane's share of <see cref="Dot"/>: blocks (or elements) lane, lane + lanes, ... so neighbouring lanes read
    /// neighbouring memory. Sum the lanes with <see cref="WarpSum"/>.
    /// </summary>
    public static float PartialDot(in DeviceMatrix w, long rowOffset, in DeviceActivations x, int xRow, int lane, int lanes)
    {
        var data = w.Data;
        int cols = w.Columns;
        float total = 0;
        if (w.Type == Q8_0 || w.Type == Q4_0)
        {
            int blocks = cols / 32;
            long q = (long)xRow * cols, s = (long)xRow * blocks;
            bool q4 = w.Type == Q4_0;
            long blockBytes = q4 ? 18 : 34;
            for (int b = lane; b < blocks; b += lanes)
            {
                long block = rowOffset + b * blockBytes;
                long qx = q + b * 32;
                int sum = 0;
                if (q4)
                {
                    for (int j = 0; j < 16; j++)
                    {
                        int packed = data[block + 2 + j];
                        sum += (packed & 0x0F) * x.Quants[qx + j] + (packed >> 4) * x.Quants[qx + j + 16];
                    }
                    sum -= 8 * x.Sums[s + b];
                }
                else
                {
                    for (int j = 0; j < 32; j++) sum += (sbyte)data[block + 2 + j] * x.Quants[qx + j];
                }
                total += HalfAt(data, block) * x.Scales[s + b] * sum;
            }
            return total;
        }
        long f = (long)xRow * cols;
        for (int i = lane; i < cols; i += lanes) total += WeightAt(data, w.Type, rowOffset, i) * x.Floats[f + i];
        return total;
    }

    /// <summary>The sum over the warp's lanes, valid in lane 0.</summary>
    public static float WarpSum(float value)
    {
        for (int offset = Warp.WarpSize / 2; offset > 0; offset /= 2) value += Warp.ShuffleDown(value, offset);
        return value;
    }

    /// <summary>Element <paramref name="i"/> of a float-typed (F32, F16, BF16) row.</summary>
    public static float WeightAt(ArrayView<byte> data, int type, long rowOffset, int i)
    {
        if (type == F32)
        {
            long p = rowOffset + 4L * i;
            uint bits = data[p] | (uint)data[p + 1] << 8 | (uint)data[p + 2] << 16 | (uint)data[p + 3] << 24;
            return Interop.IntAsFloat(bits);
        }
        long h = rowOffset + 2L * i;
        if (type == BF16) return Interop.IntAsFloat((uint)(data[h] | data[h + 1] << 8) << 16);
        return HalfAt(data, h);
    }

    /// <summary>The little-endian IEEE half at <paramref name="offset"/>, widened exactly.</summary>
    public static float HalfAt(ArrayView<byte> data, long offset)
    {
        int bits = data[offset] | data[offset + 1] << 8;
        int exponent = (bits >> 10) & 0x1F, mantissa = bits & 0x3FF;
        float value;
        if (exponent == 0) value = mantissa * (1f / 16777216f);
        else if (exponent == 31) value = mantissa == 0 ? float.PositiveInfinity : float.NaN;
        else value = Interop.IntAsFloat((uint)(((exponent + 112) << 23) | (mantissa << 13)));
        return (bits & 0x8000) != 0 ? -value : value;
    }
}
