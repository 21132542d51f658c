namespace GroveMoE.Cpu.Gguf;

internal static class GgufConstants
{
    public const uint Magic = 0x46554747; // "GGUF" little-endian
    public const uint Version = 3;
    public const int DefaultAlignment = 32;
    public const string AlignmentKey = "general.alignment";
    public const int MaxDimensions = 4;
}
