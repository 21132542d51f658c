namespace GroveMoE.Cpu.Gguf;

/// <summary>Constants of the GGUF v3 format that a reader and a writer must agree on.</summary>
public static class GgufConstants
{
    /// <summary>The first four bytes of a GGUF file ("GGUF"), read as a little-endian uint.</summary>
    public const uint Magic = 0x46554747;

    /// <summary>The format version this runtime reads and writes.</summary>
    public const uint Version = 3;

    /// <summary>Alignment in bytes of the data section and of each tensor when <see cref="AlignmentKey"/> is absent.</summary>
    public const int DefaultAlignment = 32;

    /// <summary>The metadata key that overrides <see cref="DefaultAlignment"/>.</summary>
    public const string AlignmentKey = "general.alignment";

    /// <summary>The most dimensions a tensor may have.</summary>
    public const int MaxDimensions = 4;
}
