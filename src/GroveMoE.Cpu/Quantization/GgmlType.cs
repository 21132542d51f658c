namespace GroveMoE.Cpu.Quantization;

/// <summary>ggml tensor element types, with the codes GGUF stores.</summary>
public enum GgmlType : uint
{
    F32 = 0,
    F16 = 1,
    Q4_0 = 2,
    Q4_1 = 3,
    Q5_0 = 6,
    Q5_1 = 7,
    Q8_0 = 8,
    Q8_1 = 9,
    Q2_K = 10,
    Q3_K = 11,
    Q4_K = 12,
    Q5_K = 13,
    Q6_K = 14,
    Q8_K = 15,
    IQ2_XXS = 16,
    IQ2_XS = 17,
    IQ3_XXS = 18,
    IQ1_S = 19,
    IQ4_NL = 20,
    IQ3_S = 21,
    IQ2_S = 22,
    IQ4_XS = 23,
    I8 = 24,
    I16 = 25,
    I32 = 26,
    I64 = 27,
    F64 = 28,
    IQ1_M = 29,
    BF16 = 30,
    TQ1_0 = 34,
    TQ2_0 = 35,
    MXFP4 = 39,
    NVFP4 = 40,
    Q1_0 = 41,
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

    public static bool IsKnown(GgmlType type) => Enum.IsDefined(type);

    /// <summary>Types this runtime can compute with (the others can still be listed by <c>grove info</c>).</summary>
    public static bool IsSupported(GgmlType type) => Array.IndexOf(Computable, type) >= 0;

    /// <summary>The supported types as a list for error messages.</summary>
    public static string SupportedList { get; } = string.Join(", ", Computable);

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
