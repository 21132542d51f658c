namespace GroveMoE.Cpu.Conversion.SafeTensors;

/// <summary>Element types a safetensors header may name; only the float ones can be converted.</summary>
public enum SafeTensorsDType
{
    F32, F16, BF16, F64, I64, I32, I16, I8, U8, BOOL, F8_E4M3, F8_E5M2,
}

public static class SafeTensorsDTypes
{
    public static bool TryParse(string text, out SafeTensorsDType dtype) =>
        // Enum.TryParse also takes "1" or " F32"; a header must spell the name exactly.
        Enum.TryParse(text, ignoreCase: false, out dtype) && Enum.IsDefined(dtype) && dtype.ToString() == text;

    public static int ElementBytes(SafeTensorsDType dtype) => dtype switch
    {
        SafeTensorsDType.F64 or SafeTensorsDType.I64 => 8,
        SafeTensorsDType.F32 or SafeTensorsDType.I32 => 4,
        SafeTensorsDType.F16 or SafeTensorsDType.BF16 or SafeTensorsDType.I16 => 2,
        _ => 1,
    };

    public static bool IsConvertible(SafeTensorsDType dtype) =>
        dtype is SafeTensorsDType.F32 or SafeTensorsDType.F16 or SafeTensorsDType.BF16;
}
