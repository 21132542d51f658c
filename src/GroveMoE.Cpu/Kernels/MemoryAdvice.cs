using System.Runtime.InteropServices;

namespace GroveMoE.Cpu.Kernels;

/// <summary>madvise on Linux (a no-op elsewhere): drop mapped pages from this process, ask for huge pages.</summary>
internal static unsafe partial class MemoryAdvice
{
    private const int DontNeed = 4, HugePage = 14;

    /// <summary>
    /// Unmaps the resident pages of [start, start+length) of a read-only file mapping from this process: the
    /// resident set shrinks, the page cache keeps them, and a later read faults them back in.
    /// </summary>
    public static void ReleaseMapped(byte* start, long length) => Advise(start, length, DontNeed);

    /// <summary>Asks for transparent huge pages (fewer TLB misses when the kernels stream the weights).</summary>
    public static void PreferHugePages(byte* start, long length) => Advise(start, length, HugePage);

    private static void Advise(byte* start, long length, int advice)
    {
        if (!OperatingSystem.IsLinux() || length <= 0) return;
        long page = Environment.SystemPageSize;
        long first = (long)start / page * page, end = ((long)start + length + page - 1) / page * page;
        _ = Madvise((nint)first, (nuint)(end - first), advice);
    }

    [LibraryImport("libc", EntryPoint = "madvise")]
    private static partial int Madvise(nint address, nuint length, int advice);
}
