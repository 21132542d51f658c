namespace GroveMoE.Cpu.Gguf;

/// <summary>A GGUF file is truncated, corrupt or not a GGUF file at all.</summary>
public sealed class GgufFormatException : Exception
{
    /// <summary>A format error not tied to one place in the file.</summary>
    public GgufFormatException(string message) : base(message) { }

    /// <summary>A format error at byte <paramref name="offset"/> of the file.</summary>
    public GgufFormatException(long offset, string message) : base($"at byte {offset}: {message}")
    {
        Offset = offset;
    }

    /// <summary>The byte offset in the file where the problem was found, or -1.</summary>
    public long Offset { get; } = -1;
}
