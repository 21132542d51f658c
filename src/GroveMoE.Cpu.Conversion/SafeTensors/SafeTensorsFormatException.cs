namespace GroveMoE.Cpu.Conversion.SafeTensors;

/// <summary>A safetensors file or checkpoint index that is truncated, inconsistent or not safetensors at all.</summary>
public sealed class SafeTensorsFormatException : Exception
{
    /// <summary>A format error not tied to one place in a file.</summary>
    public SafeTensorsFormatException(string message) : base(message) { }

    /// <summary>A format error at byte <paramref name="offset"/> of <paramref name="file"/>.</summary>
    public SafeTensorsFormatException(string file, long offset, string message) : base($"{file}: at byte {offset}: {message}")
    {
        Offset = offset;
    }

    /// <summary>The byte offset in the file where the problem was found, or -1.</summary>
    public long Offset { get; } = -1;
}
