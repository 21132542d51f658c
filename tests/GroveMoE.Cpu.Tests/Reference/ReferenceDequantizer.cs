using System.Buffers.Binary;
using GroveMoE.Cpu.Quantization;

namespace GroveMoE.Cpu.Tests.Reference;

/// <summary>
/// Float64 decoders written from the block definitions in grovemoe-spec.md, sharing no code with the
/// library's Quantization/ folder so that a bug there cannot hide in both.
/// </summary>
public static class ReferenceDequantizer
{
    public static double[] Row(GgmlType type, ReadOnlySpan<byte> bytes, int elements)
    {
        var values = new double[elements];
        switch (type)
        {
            case GgmlType.F32:
                for (int i = 0; i < elements; i++) values[i] = BinaryPrimitives.ReadSingleLittleEndian(bytes[(4 * i)..]);
                break;
            case GgmlType.F16:
                for (int i = 0; i < elements; i++) values[i] = HalfBits(BinaryPrimitives.ReadUInt16LittleEndian(bytes[(2 * i)..]));
                break;
            case GgmlType.BF16:
                for (int i = 0; i < elements; i++)
                    values[i] = BitConverter.UInt32BitsToSingle((uint)BinaryPrimitives.ReadUInt16LittleEndian(bytes[(2 * i)..]) << 16);
                break;
            case GgmlType.Q8_0:
                // 34-byte blocks: f16 scale d, then 32 signed bytes q; value = q * d.
                for (int b = 0; b < elements / 32; b++)
                {
                    var block = bytes.Slice(34 * b, 34);
                    double d = HalfBits(BinaryPrimitives.ReadUInt16LittleEndian(block));
                    for (int j = 0; j < 32; j++) values[32 * b + j] = (sbyte)block[2 + j] * d;
                }
                break;
            case GgmlType.Q4_0:
                // 18-byte blocks: f16 scale d, then 16 bytes; byte j holds element j (low nibble) and j+16 (high).
                for (int b = 0; b < elements / 32; b++)
                {
                    var block = bytes.Slice(18 * b, 18);
                    double d = HalfBits(BinaryPrimitives.ReadUInt16LittleEndian(block));
                    for (int j = 0; j < 16; j++)
                    {
                        values[32 * b + j] = ((block[2 + j] & 0xF) - 8) * d;
                        values[32 * b + j + 16] = ((block[2 + j] >> 4) - 8) * d;
                    }
                }
                break;
            default:
                return ReferenceKQuants.Row(type, bytes, elements) ?? throw new NotSupportedException($"reference cannot decode {type}");
        }
        return values;
    }

    /// <summary>IEEE 754 binary16 decoded by hand: 1 sign bit, 5 exponent bits (bias 15), 10 mantissa bits.</summary>
    public static double HalfBits(ushort bits)
    {
        int sign = bits >> 15 == 1 ? -1 : 1;
        int exponent = (bits >> 10) & 0x1F;
        int mantissa = bits & 0x3FF;
        if (exponent == 0) return sign * mantissa * Math.Pow(2, -24);
        if (exponent == 31) return mantissa == 0 ? sign * double.PositiveInfinity : double.NaN;
        return sign * (1 + mantissa / 1024.0) * Math.Pow(2, exponent - 15);
    }
}
