namespace GroveMoE.Cpu.Conversion.SafeTensors;

/// <summary>
/// Checks every range <see cref="SafeTensorsFile"/> reads against the file's length, and counts the checks so the
/// mutation tests can see that it ran (the runtime's GGUF reader has its own). Failing it is a bug in the reader:
/// the header parser refuses bad files before any read.
/// </summary>
internal static class SafeTensorsBounds
{
    private static long _checks;

    public static long Checks => Interlocked.Read(ref _checks);

    public static void Check(long offset, long bytes, long fileLength, string file)
    {
        Interlocked.Increment(ref _checks);
        if (offset < 0 || bytes < 0 || offset > fileLength - bytes)
            throw new InvalidOperationException($"bug: a read of {bytes} bytes at {offset} lies outside {file} ({fileLength} bytes)");
    }
}
