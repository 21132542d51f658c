namespace GroveMoE.Cpu.Conversion.SafeTensors;

/// <summary>Element types a safetensors header may name; only the float ones can be converted.</summary>
public enum SafeTensorsDType
{
    /// <summary>IEEE single.</summary>
    F32,

    /// <summary>IEEE half.</summary>
    F16,

    /// <summary>bfloat16, the upper half of an f32.</summary>
    BF16,

    /// <summary>IEEE double.</summary>
    F64,

    /// <summary>Signed 64-bit integer.</summary>
    I64,

    /// <summary>Signed 32-bit integer.</summary>
    I32,

    /// <summary>Signed 16-bit integer.</summary>
    I16,

    /// <summary>Signed 8-bit integer.</summary>
    I8,

    /// <summary>Unsigned byte.</summary>
    U8,

    /// <summary>One byte, 0 or 1.</summary>
    BOOL,

    /// <summary>8-bit float, 4 exponent bits.</summary>
    F8_E4M3,

    /// <summary>8-bit float, 5 exponent bits.</summary>
    F8_E5M2,
}

/// <summary>Parsing and sizes of <see cref="SafeTensorsDType"/>s.</summary>
public static class SafeTensorsDTypes
{
    /// <summary>The type a header spells exactly as <paramref name="text"/> (case-sensitive, names only).</summary>
    public static bool TryParse(string text, out SafeTensorsDType dtype) =>
        // Enum.TryParse also takes "1" or " F32"; a header must spell the name exactly.
        Enum.TryParse(text, ignoreCase: false, out dtype) && Enum.IsDefined(dtype) && dtype.ToString() == text;

    /// <summary>Bytes per element.</summary>
    public static int ElementBytes(SafeTensorsDType dtype) => dtype switch
    {
        SafeTensorsDType.F64 or SafeTensorsDType.I64 => 8,
        SafeTensorsDType.F32 or SafeTensorsDType.I32 => 4,
        SafeTensorsDType.F16 or SafeTensorsDType.BF16 or SafeTensorsDType.I16 => 2,
        _ => 1,
    };

    /// <summary>Whether tensors of this type can be read as floats (F32, F16, BF16).</summary>
    public static bool IsConvertible(SafeTensorsDType dtype) =>
        dtype is SafeTensorsDType.F32 or SafeTensorsDType.F16 or SafeTensorsDType.BF16;
}
