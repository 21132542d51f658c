namespace GroveMoE.Cpu.Gguf;

/// <summary>Metadata value types of GGUF v3, with their on-disk codes.</summary>
public enum GgufValueType : uint
{
    /// <summary>Unsigned 8-bit integer.</summary>
    UInt8 = 0,
    /// <summary>Signed 8-bit integer.</summary>
    Int8 = 1,
    /// <summary>Unsigned 16-bit integer.</summary>
    UInt16 = 2,
    /// <summary>Signed 16-bit integer.</summary>
    Int16 = 3,
    /// <summary>Unsigned 32-bit integer.</summary>
    UInt32 = 4,
    /// <summary>Signed 32-bit integer.</summary>
    Int32 = 5,
    /// <summary>IEEE single.</summary>
    Float32 = 6,
    /// <summary>One byte, 0 or 1.</summary>
    Bool = 7,
    /// <summary>UTF-8 bytes after a uint64 length.</summary>
    String = 8,
    /// <summary>An element type, a uint64 count, then the elements.</summary>
    Array = 9,
    /// <summary>Unsigned 64-bit integer.</summary>
    UInt64 = 10,
    /// <summary>Signed 64-bit integer.</summary>
    Int64 = 11,
    /// <summary>IEEE double.</summary>
    Float64 = 12,
}
