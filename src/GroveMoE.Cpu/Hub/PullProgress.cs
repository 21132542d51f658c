namespace GroveMoE.Cpu.Hub;

/// <summary>What a pull is doing; reported as bytes arrive and when its stage changes.</summary>
/// <param name="File">The file in the repository (a split model reports each part in turn).</param>
/// <param name="Part">1-based index of <paramref name="File"/> among the <paramref name="Parts"/> of the model.</param>
/// <param name="BytesDone">Bytes of the file on disk so far (a resumed download starts above 0).</param>
/// <param name="TotalBytes">The file's size, or null when the Hub does not say.</param>
public sealed record PullProgress(string File, int Part, int Parts, long BytesDone, long? TotalBytes, PullStage Stage);

/// <summary>The stage a file is in.</summary>
public enum PullStage
{
    /// <summary>Another process is downloading the same file; this one waits for it.</summary>
    WaitingForLock,

    /// <summary>Bytes are arriving.</summary>
    Downloading,

    /// <summary>The connection was cut; the transfer resumes after a pause.</summary>
    Retrying,

    /// <summary>The file is complete and its sha256 matched (or it was already in the cache).</summary>
    Done,
}
