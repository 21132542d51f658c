namespace GroveMoE.Cpu.Gguf;

/// <summary>
/// One metadata value. Scalars are boxed primitives; arrays are typed .NET arrays
/// (<c>string[]</c>, <c>int[]</c>, <c>float[]</c>, ...) with <see cref="ElementType"/> naming the GGUF type.
/// </summary>
public sealed record GgufValue(GgufValueType Type, object Value, GgufValueType ElementType = GgufValueType.UInt8)
{
    public static GgufValue Of(string value) => new(GgufValueType.String, value);
    public static GgufValue Of(uint value) => new(GgufValueType.UInt32, value);
    public static GgufValue Of(int value) => new(GgufValueType.Int32, value);
    public static GgufValue Of(ulong value) => new(GgufValueType.UInt64, value);
    public static GgufValue Of(float value) => new(GgufValueType.Float32, value);
    public static GgufValue Of(bool value) => new(GgufValueType.Bool, value);
    public static GgufValue Of(string[] values) => new(GgufValueType.Array, values, GgufValueType.String);
    public static GgufValue Of(int[] values) => new(GgufValueType.Array, values, GgufValueType.Int32);
    public static GgufValue Of(float[] values) => new(GgufValueType.Array, values, GgufValueType.Float32);

    public override string ToString() => Type == GgufValueType.Array
        ? $"[{ElementType} x {((Array)Value).Length}]"
        : Value.ToString() ?? "";
}
