namespace GroveMoE.Cpu.Hub;

/// <summary>
/// The Hub's own cache layout, shared with huggingface_hub, huggingface-cli and llama.cpp:
/// <c>models--OWNER--REPO/blobs/&lt;sha256&gt;</c> holds the content, <c>snapshots/&lt;commit&gt;/&lt;path&gt;</c> is a relative
/// symbolic link to the blob, <c>refs/main</c> names the commit; locks live in <c>.locks/models--OWNER--REPO/</c>.
/// </summary>
internal sealed class HubCache(string root)
{
    private const string Prefix = "models--";

    public string Root { get; } = root;

    public string RepoFolder(string repoId) => Path.Combine(Root, Prefix + repoId.Replace("/", "--", StringComparison.Ordinal));

    public string BlobPath(string repoId, string blob) => Path.Combine(RepoFolder(repoId), "blobs", blob);

    /// <summary>huggingface_hub's name for a blob still arriving, so either tool can resume the other's download.</summary>
    public string IncompletePath(string repoId, string blob) => BlobPath(repoId, blob) + ".incomplete";

    public string LockPath(string repoId, string blob) =>
        Path.Combine(Root, ".locks", Prefix + repoId.Replace("/", "--", StringComparison.Ordinal), blob + ".lock");

    public string SnapshotPath(string repoId, string commit, string file) =>
        Path.Combine(RepoFolder(repoId), "snapshots", commit, file.Replace('/', Path.DirectorySeparatorChar));

    public string? MainCommit(string repoId)
    {
        string path = Path.Combine(RepoFolder(repoId), "refs", "main");
        return File.Exists(path) ? File.ReadAllText(path).Trim() is { Length: > 0 } commit ? commit : null : null;
    }

    public void SetMainCommit(string repoId, string commit)
    {
        string path = Path.Combine(RepoFolder(repoId), "refs", "main");
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        File.WriteAllText(path, commit);
    }

    /// <summary>Points <c>snapshots/&lt;commit&gt;/&lt;file&gt;</c> at the blob with a relative link, as huggingface_hub does; copies where links are not allowed.</summary>
    public string Link(string repoId, string commit, string file, string blob)
    {
        string link = SnapshotPath(repoId, commit, file), target = BlobPath(repoId, blob);
        Directory.CreateDirectory(Path.GetDirectoryName(link)!);
        if (File.Exists(link) || new FileInfo(link).LinkTarget is not null) File.Delete(link);
        try
        {
            File.CreateSymbolicLink(link, Path.GetRelativePath(Path.GetDirectoryName(link)!, target));
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            File.Copy(target, link);
        }
        return link;
    }

    /// <summary>The repositories with a folder in the cache, as OWNER/REPO.</summary>
    public IEnumerable<string> Repositories()
    {
        if (!Directory.Exists(Root)) yield break;
        foreach (var folder in Directory.EnumerateDirectories(Root, Prefix + "*").Order(StringComparer.Ordinal))
        {
            string[] parts = Path.GetFileName(folder)[Prefix.Length..].Split("--");
            if (parts.Length == 2) yield return $"{parts[0]}/{parts[1]}";
        }
    }

    /// <summary>The repository's snapshot folders: the one refs/main names first, then the newest others.</summary>
    public IReadOnlyList<string> Snapshots(string repoId)
    {
        string folder = Path.Combine(RepoFolder(repoId), "snapshots");
        if (!Directory.Exists(folder)) return [];
        string? main = MainCommit(repoId);
        return Directory.GetDirectories(folder)
            .OrderByDescending(d => Path.GetFileName(d) == main)
            .ThenByDescending(Directory.GetLastWriteTimeUtc)
            .ToList();
    }

    /// <summary>The complete files of a snapshot (links whose blob is present), with their content's size.</summary>
    public static IReadOnlyList<RepoFile> SnapshotFiles(string snapshot)
    {
        var files = new List<RepoFile>();
        foreach (var path in Directory.EnumerateFiles(snapshot, "*", SearchOption.AllDirectories))
        {
            var info = new FileInfo(path);
            var content = info.LinkTarget is null ? info : info.ResolveLinkTarget(returnFinalTarget: true) as FileInfo;
            if (content is not { Exists: true }) continue;
            files.Add(new RepoFile(Path.GetRelativePath(snapshot, path).Replace(Path.DirectorySeparatorChar, '/'), content.Length, null, null));
        }
        return files;
    }
}
