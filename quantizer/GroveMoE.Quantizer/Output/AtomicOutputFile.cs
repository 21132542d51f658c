using GroveMoE.Cpu.CommandLine;

namespace GroveMoE.Quantizer.Output;

/// <summary>
/// An output file written under a temporary name in its target folder and renamed into place only by
/// <see cref="Commit"/>: a failed or interrupted run leaves no partial file, and an existing file is never
/// replaced unless <c>overwrite</c> was asked for.
/// </summary>
public sealed class AtomicOutputFile : IDisposable
{
    private readonly bool _overwrite;
    private bool _committed;

    private AtomicOutputFile(string path, string temporaryPath, bool overwrite)
    {
        Path = path;
        TemporaryPath = temporaryPath;
        _overwrite = overwrite;
        Stream = new FileStream(temporaryPath, FileMode.CreateNew, FileAccess.Write, FileShare.None, 1 << 20);
    }

    public string Path { get; }
    public string TemporaryPath { get; }
    public FileStream Stream { get; }

    public static AtomicOutputFile Create(string path, bool overwrite)
    {
        path = System.IO.Path.GetFullPath(path);
        if (Directory.Exists(path)) throw new UserInputException($"output {path} is a directory");
        if (File.Exists(path) && !overwrite) throw new UserInputException($"output {path} already exists (use --force to replace it)");
        string folder = System.IO.Path.GetDirectoryName(path)!;
        if (!Directory.Exists(folder)) throw new DirectoryNotFoundException($"output folder {folder} does not exist");
        string temporary = System.IO.Path.Combine(folder, $".{System.IO.Path.GetFileName(path)}.{Environment.ProcessId}.partial");
        return new AtomicOutputFile(path, temporary, overwrite);
    }

    /// <summary>Flushes the data to disk and moves the file to its final name.</summary>
    public void Commit()
    {
        if (Stream.CanWrite) Stream.Flush(flushToDisk: true);
        Stream.Dispose();
        File.Move(TemporaryPath, Path, _overwrite);
        _committed = true;
    }

    public void Dispose()
    {
        if (_committed) return;
        Stream.Dispose();
        File.Delete(TemporaryPath);
    }
}
