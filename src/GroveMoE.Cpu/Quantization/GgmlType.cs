namespace GroveMoE.Cpu.Quantization;

/// <summary>ggml tensor element types, with the codes GGUF stores.</summary>
public enum GgmlType : uint
{
    /// <summary>32-bit IEEE floats.</summary>
    F32 = 0,
    /// <summary>16-bit IEEE halves.</summary>
    F16 = 1,
    /// <summary>Blocks of 32: an f16 scale and 4-bit quants (4.5 bits per weight).</summary>
    Q4_0 = 2,
    /// <summary>Blocks of 32: f16 scale and minimum, 4-bit quants (5.0 bits per weight).</summary>
    Q4_1 = 3,
    /// <summary>Blocks of 32: an f16 scale and 5-bit quants (5.5 bits per weight).</summary>
    Q5_0 = 6,
    /// <summary>Blocks of 32: f16 scale and minimum, 5-bit quants (6.0 bits per weight).</summary>
    Q5_1 = 7,
    /// <summary>Blocks of 32: an f16 scale and int8 quants (8.5 bits per weight).</summary>
    Q8_0 = 8,
    /// <summary>Blocks of 32: int8 quants with scale and sum (ggml's activation format; not read).</summary>
    Q8_1 = 9,
    /// <summary>Super-blocks of 256: 2-bit quants, 4-bit scales and minimums per 16 (2.625 bits per weight).</summary>
    Q2_K = 10,
    /// <summary>Super-blocks of 256: 3-bit quants, 6-bit scales per 16 (3.4375 bits per weight).</summary>
    Q3_K = 11,
    /// <summary>Super-blocks of 256: 4-bit quants, 6-bit scales and minimums per 32 (4.5 bits per weight).</summary>
    Q4_K = 12,
    /// <summary>Super-blocks of 256: 5-bit quants, 6-bit scales and minimums per 32 (5.5 bits per weight).</summary>
    Q5_K = 13,
    /// <summary>Super-blocks of 256: 6-bit quants, 8-bit scales per 16 (6.5625 bits per weight).</summary>
    Q6_K = 14,
    /// <summary>Super-blocks of 256: int8 quants, an f32 scale and sums per 16 (the activations of K-quant dots).</summary>
    Q8_K = 15,
    /// <summary>Lattice-codebook 2-bit quants (2.06 bits per weight); not supported.</summary>
    IQ2_XXS = 16,
    /// <summary>Lattice-codebook 2-bit quants (2.31 bits per weight); not supported.</summary>
    IQ2_XS = 17,
    /// <summary>Lattice-codebook 3-bit quants (3.06 bits per weight); not supported.</summary>
    IQ3_XXS = 18,
    /// <summary>Lattice-codebook 1-bit quants (1.56 bits per weight); not supported.</summary>
    IQ1_S = 19,
    /// <summary>Blocks of 32: an f16 scale and 4-bit indices into a non-linear grid (4.5 bits per weight).</summary>
    IQ4_NL = 20,
    /// <summary>Lattice-codebook 3-bit quants (3.44 bits per weight); not supported.</summary>
    IQ3_S = 21,
    /// <summary>Lattice-codebook 2-bit quants (2.5 bits per weight); not supported.</summary>
    IQ2_S = 22,
    /// <summary>Super-blocks of 256: IQ4_NL's grid with 6-bit scales per 32 (4.25 bits per weight).</summary>
    IQ4_XS = 23,
    /// <summary>8-bit integers.</summary>
    I8 = 24,
    /// <summary>16-bit integers.</summary>
    I16 = 25,
    /// <summary>32-bit integers.</summary>
    I32 = 26,
    /// <summary>64-bit integers.</summary>
    I64 = 27,
    /// <summary>64-bit IEEE doubles.</summary>
    F64 = 28,
    /// <summary>Lattice-codebook 1-bit quants (1.75 bits per weight); not supported.</summary>
    IQ1_M = 29,
    /// <summary>bfloat16: the upper half of an f32.</summary>
    BF16 = 30,
    /// <summary>Ternary quants (1.69 bits per weight); not supported.</summary>
    TQ1_0 = 34,
    /// <summary>Ternary quants (2.06 bits per weight); not supported.</summary>
    TQ2_0 = 35,
    /// <summary>Microscaling FP4: blocks of 32 e2m1 values with an e8m0 scale (4.25 bits per weight); not supported.</summary>
    MXFP4 = 39,
    /// <summary>A newer ggml FP4 type, known by its id; not supported.</summary>
    NVFP4 = 40,
    /// <summary>A newer ggml 1-bit type, known by its id; not supported.</summary>
    Q1_0 = 41,
    /// <summary>A newer ggml 2-bit type, known by its id; not supported.</summary>
    Q2_0 = 42,
}

/// <summary>Block geometry of each ggml type: elements per block and bytes per block.</summary>
public static class GgmlTypeInfo
{
    /// <summary>Elements in a K-quant super-block (ggml's QK_K).</summary>
    public const int SuperBlock = 256;

    private static readonly GgmlType[] Computable =
    [
        GgmlType.F32, GgmlType.F16, GgmlType.BF16, GgmlType.Q8_0, GgmlType.Q4_0, GgmlType.Q4_1, GgmlType.Q5_0, GgmlType.Q5_1,
        GgmlType.Q2_K, GgmlType.Q3_K, GgmlType.Q4_K, GgmlType.Q5_K, GgmlType.Q6_K, GgmlType.IQ4_NL, GgmlType.IQ4_XS,
    ];

    /// <summary>Whether <paramref name="type"/> is a ggml type id this runtime knows the name of.</summary>
    public static bool IsKnown(GgmlType type) => Enum.IsDefined(type);

    /// <summary>Types this runtime can compute with (the others can still be listed by <c>grove info</c>).</summary>
    public static bool IsSupported(GgmlType type) => Array.IndexOf(Computable, type) >= 0;

    /// <summary>The supported types as a list for error messages.</summary>
    public static string SupportedList { get; } = string.Join(", ", Computable);

    /// <summary>Elements per block of <paramref name="type"/> (1 for plain floats and integers).</summary>
    public static int BlockSize(GgmlType type) => type switch
    {
        GgmlType.F32 or GgmlType.F16 or GgmlType.BF16 or GgmlType.F64
            or GgmlType.I8 or GgmlType.I16 or GgmlType.I32 or GgmlType.I64 => 1,
        GgmlType.Q4_0 or GgmlType.Q4_1 or GgmlType.Q5_0 or GgmlType.Q5_1 or GgmlType.Q8_0 or GgmlType.Q8_1
            or GgmlType.IQ4_NL or GgmlType.MXFP4 => 32,
        GgmlType.NVFP4 or GgmlType.Q2_0 => 64,
        GgmlType.Q1_0 => 128,
        _ => SuperBlock,
    };

    /// <summary>Bytes per block of <paramref name="type"/>.</summary>
    public static int BlockBytes(GgmlType type) => type switch
    {
        GgmlType.F32 or GgmlType.I32 => 4,
        GgmlType.F16 or GgmlType.BF16 or GgmlType.I16 => 2,
        GgmlType.I8 => 1,
        GgmlType.F64 or GgmlType.I64 => 8,
        GgmlType.Q4_0 or GgmlType.IQ4_NL => 18,
        GgmlType.Q4_1 => 20,
        GgmlType.Q5_0 => 22,
        GgmlType.Q5_1 => 24,
        GgmlType.Q8_0 => 34,
        GgmlType.Q8_1 => 36,
        GgmlType.Q2_K => 84,
        GgmlType.Q3_K => 110,
        GgmlType.Q4_K => 144,
        GgmlType.Q5_K => 176,
        GgmlType.Q6_K => 210,
        GgmlType.Q8_K => 292,
        GgmlType.IQ4_XS => 136,
        GgmlType.IQ2_XXS => 66,
        GgmlType.IQ2_XS => 74,
        GgmlType.IQ2_S => 82,
        GgmlType.IQ3_XXS => 98,
        GgmlType.IQ3_S => 110,
        GgmlType.IQ1_S => 50,
        GgmlType.IQ1_M => 56,
        GgmlType.TQ1_0 => 54,
        GgmlType.TQ2_0 => 66,
        GgmlType.MXFP4 => 17,
        GgmlType.NVFP4 => 36,
        GgmlType.Q1_0 or GgmlType.Q2_0 => 18,
        _ => throw new ArgumentOutOfRangeException(nameof(type), type, "unknown ggml type"),
    };

    /// <summary>Bits per weight of a type (block bytes × 8 / block size).</summary>
    public static double BitsPerWeight(GgmlType type) => BlockBytes(type) * 8.0 / BlockSize(type);

    /// <summary>Bytes of a row of <paramref name="elements"/> values; the count must fill whole blocks.</summary>
    public static long RowBytes(GgmlType type, long elements)
    {
        int block = BlockSize(type);
        if (elements % block != 0)
            throw new ArgumentException($"{type} rows must be a multiple of {block} elements, got {elements}", nameof(elements));
        return elements / block * BlockBytes(type);
    }
}
