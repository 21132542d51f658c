namespace GroveMoE.Cpu.Gguf;

/// <summary>
/// One metadata value. Scalars are boxed primitives; arrays are typed .NET arrays
/// (<c>string[]</c>, <c>int[]</c>, <c>float[]</c>, ...) with <see cref="ElementType"/> naming the GGUF type.
/// </summary>
public sealed record GgufValue(GgufValueType Type, object Value, GgufValueType ElementType = GgufValueType.UInt8)
{
    /// <summary>The GGUF value of a string.</summary>
    public static GgufValue Of(string value) => new(GgufValueType.String, value);
    /// <summary>The GGUF value of a uint32.</summary>
    public static GgufValue Of(uint value) => new(GgufValueType.UInt32, value);
    /// <summary>The GGUF value of an int32.</summary>
    public static GgufValue Of(int value) => new(GgufValueType.Int32, value);
    /// <summary>The GGUF value of a uint64.</summary>
    public static GgufValue Of(ulong value) => new(GgufValueType.UInt64, value);
    /// <summary>The GGUF value of a float32.</summary>
    public static GgufValue Of(float value) => new(GgufValueType.Float32, value);
    /// <summary>The GGUF value of a bool.</summary>
    public static GgufValue Of(bool value) => new(GgufValueType.Bool, value);
    /// <summary>A GGUF array of strings.</summary>
    public static GgufValue Of(string[] values) => new(GgufValueType.Array, values, GgufValueType.String);
    /// <summary>A GGUF array of int32s.</summary>
    public static GgufValue Of(int[] values) => new(GgufValueType.Array, values, GgufValueType.Int32);
    /// <summary>A GGUF array of float32s.</summary>
    public static GgufValue Of(float[] values) => new(GgufValueType.Array, values, GgufValueType.Float32);

    /// <summary>The value for display; arrays as their element type and length.</summary>
    public override string ToString() => Type == GgufValueType.Array
        ? $"[{ElementType} x {((Array)Value).Length}]"
        : Value.ToString() ?? "";
}
