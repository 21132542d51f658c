namespace GroveMoE.Cpu.Hub;

/// <summary>One file of a Hub repository as its tree listing describes it.</summary>
/// <param name="Path">Path inside the repository, '/'-separated.</param>
/// <param name="Size">Bytes (the LFS object's size for large files).</param>
/// <param name="Sha256">The LFS object id, the sha256 of the content; null for files kept in git itself.</param>
/// <param name="GitOid">The git blob id (sha1 of "blob SIZE\0" + content).</param>
internal sealed record RepoFile(string Path, long Size, string? Sha256, string? GitOid)
{
    /// <summary>The name huggingface_hub gives the file's blob in the cache: the sha256 for LFS files, else the git id.</summary>
    public string? BlobName => Sha256 ?? GitOid;

    /// <summary>True for a path a server could send to escape the cache folder ("..", absolute, backslashes).</summary>
    public static bool IsUnsafePath(string path) =>
        path.Length == 0 || path.StartsWith('/') || path.Contains('\\') || path.Contains(':') || path.Contains('\0')
        || path.Split('/').Any(segment => segment is "" or "." or "..");
}
