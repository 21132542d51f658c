namespace GroveMoE.Cpu;

/// <summary>
/// Checks every range of a memory-mapped file that a reader hands out (GGUF tensor views, safetensors reads) against
/// the file's length, and counts the checks so the fuzz tests can see that it ran. Failing it is a bug in a reader,
/// never a property of the file: the readers refuse bad files before making a view.
/// </summary>
internal static class MappingBounds
{
    private static long _checks;

    public static long Checks => Interlocked.Read(ref _checks);

    public static void Check(long offset, long bytes, long fileLength, string file)
    {
        Interlocked.Increment(ref _checks);
        if (offset < 0 || bytes < 0 || offset > fileLength - bytes)
            throw new MappingBoundsException($"bug: a view of {bytes} bytes at {offset} lies outside {file} ({fileLength} bytes)");
    }
}

/// <summary>A reader made a view outside its mapped file (a bug, see <see cref="MappingBounds"/>).</summary>
internal sealed class MappingBoundsException(string message) : Exception(message);
