using System.Diagnostics;
using System.Net;
using System.Security.Cryptography;
using System.Text;

namespace GroveMoE.Cpu.Hub;

/// <summary>
/// Fetches one repository file into the cache: under a lock, into <c>blobs/&lt;sha&gt;.incomplete</c> (resumed with
/// Range after a cut connection or an earlier run), checked against its sha256, then renamed and linked into the
/// snapshot. Nothing unverified is ever visible under the file's name.
/// </summary>
internal sealed class BlobDownloader(HubClient client, HubCache cache, HubOptions options)
{
    private const int BufferSize = 1 << 20;
    private static readonly TimeSpan ReportEvery = TimeSpan.FromMilliseconds(100);
    private static readonly TimeSpan StallTimeout = TimeSpan.FromSeconds(60);

    /// <summary>Downloads <paramref name="file"/> unless its blob is cached; returns the commit the Hub named (or null when nothing was asked).</summary>
    public async Task<string?> FetchAsync(string repoId, RepoFile file, int part, int parts, IProgress<PullProgress>? progress, CancellationToken cancel)
    {
        string blobName = file.BlobName ?? throw new HubException($"{file.Path} in {repoId}: the Hub's listing gives no checksum for it");
        string blob = cache.BlobPath(repoId, blobName);
        void Report(long done, PullStage stage) => progress?.Report(new PullProgress(file.Path, part, parts, done, file.Size, stage));
        if (File.Exists(blob))
        {
            Report(file.Size, PullStage.Done);
            return null;
        }

        using var fileLock = await AcquireLockAsync(cache.LockPath(repoId, blobName), () => Report(0, PullStage.WaitingForLock), cancel).ConfigureAwait(false);
        if (File.Exists(blob)) // another process finished it while this one waited
        {
            Report(file.Size, PullStage.Done);
            return null;
        }
        string incomplete = cache.IncompletePath(repoId, blobName);
        var hash = new ContentHash(file);
        long have = hash.Resume(incomplete, file.Size);
        EnsureSpace(incomplete, file.Size - have, file.Path);

        string? commit = null;
        for (int attempt = 0; ; attempt++)
        {
            try
            {
                if (have == file.Size) break; // an earlier run got every byte; only the check remains
                using var response = await client.OpenFileAsync(repoId, file.Path, have, cancel).ConfigureAwait(false);
                commit ??= response.Commit;
                if (response.LinkedSha256 is { } linked && file.Sha256 is { } listed && linked != listed)
                    throw new HubException($"{file.Path} in {repoId} changed on the Hub during the pull; run the pull again");
                if (response.Status == HttpStatusCode.RequestedRangeNotSatisfiable)
                {
                    // Nothing past our bytes although the listing says there is more: the partial is not this file's; start over.
                    if (have == 0) throw new HubUnavailableException($"{options.Endpoint.Host} refused to send {file.Path} (416)");
                    have = hash.Restart(incomplete);
                    continue;
                }
                if (IsTransient(response.Status)) throw new HttpRequestException($"{(int)response.Status} {response.Message.ReasonPhrase}");
                client.EnsureSuccess(response.Message, repoId, file.Path);
                bool resumed = response.Status == HttpStatusCode.PartialContent && response.Message.Content.Headers.ContentRange?.From == have;
                if (!resumed && have > 0) have = hash.Restart(incomplete); // the server ignored Range: take the whole body
                have = await CopyAsync(response, incomplete, have, hash, done => Report(done, PullStage.Downloading), cancel).ConfigureAwait(false);
                if (have < file.Size) throw new IOException($"connection closed after {have} of {file.Size} bytes");
                break;
            }
            catch (Exception e) when (IsCut(e, cancel) && attempt < options.MaxRetries)
            {
                Report(have, PullStage.Retrying);
                await Task.Delay(options.RetryDelay * (1 << attempt), cancel).ConfigureAwait(false);
                have = File.Exists(incomplete) ? new FileInfo(incomplete).Length : 0;
                if (have != hash.Length) have = hash.Resume(incomplete, file.Size);
            }
            catch (Exception e) when (cancel.IsCancellationRequested && e is not OperationCanceledException)
            {
                throw new OperationCanceledException("the pull was cancelled; the partial download is kept", e, cancel);
            }
            catch (Exception e) when (IsCut(e, cancel))
            {
                throw new HubUnavailableException($"{file.Path}: the transfer kept breaking off ({e.Message}); run the pull again to resume from {have} bytes", e);
            }
        }

        if (have != file.Size || hash.Finish() is not { } actual || actual != hash.Expected)
        {
            string got = have != file.Size ? $"{have} bytes instead of {file.Size}" : $"sha256 {hash.Actual}";
            File.Delete(incomplete);
            throw new HubChecksumException($"{file.Path}: checksum mismatch (expected {hash.Expected}, got {got}); the download was deleted, run the pull again");
        }
        File.Move(incomplete, blob, overwrite: true);
        Report(file.Size, PullStage.Done);
        return commit;
    }

    private static async Task<long> CopyAsync(HubResponse response, string path, long have, ContentHash hash, Action<long> report, CancellationToken cancel)
    {
        var body = await response.Message.Content.ReadAsStreamAsync(cancel).ConfigureAwait(false);
        await using var output = new FileStream(path, FileMode.OpenOrCreate, FileAccess.Write, FileShare.None, 1, FileOptions.Asynchronous);
        output.Position = have;
        output.SetLength(have);
        var buffer = new byte[BufferSize];
        var sinceReport = Stopwatch.StartNew();
        using var stall = CancellationTokenSource.CreateLinkedTokenSource(cancel);
        try
        {
            while (true)
            {
                stall.CancelAfter(StallTimeout);
                int read = await body.ReadAsync(buffer, stall.Token).ConfigureAwait(false);
                if (read == 0) break;
                try
                {
                    await output.WriteAsync(buffer.AsMemory(0, read), cancel).ConfigureAwait(false);
                }
                catch (IOException e) when (IsDiskFull(e))
                {
                    throw new HubDiskFullException($"disk full while writing {path} ({have} bytes written; the partial download is kept for a later resume)", e);
                }
                hash.Append(buffer.AsSpan(0, read));
                have += read;
                if (sinceReport.Elapsed >= ReportEvery)
                {
                    report(have);
                    sinceReport.Restart();
                }
            }
        }
        catch (OperationCanceledException e) when (!cancel.IsCancellationRequested)
        {
            throw new IOException($"no data for {StallTimeout.TotalSeconds:0} s", e);
        }
        finally
        {
            await output.FlushAsync(CancellationToken.None).ConfigureAwait(false);
            report(have);
        }
        output.Flush(flushToDisk: true);
        return have;
    }

    private static bool IsTransient(HttpStatusCode status) => (int)status is 408 or 429 or >= 500;

    /// <summary>A broken connection worth resuming: not the user's cancellation, not a full disk.</summary>
    private static bool IsCut(Exception e, CancellationToken cancel) =>
        !cancel.IsCancellationRequested && e is HttpRequestException or HubUnavailableException { InnerException: HttpRequestException } or IOException
        && e is not HubDiskFullException && !(e is IOException io && IsDiskFull(io));

    private static bool IsDiskFull(IOException e) => (e.HResult & 0xFFFF) is 28 /* ENOSPC */ or 0x70 /* ERROR_DISK_FULL */ or 0x27 /* ERROR_HANDLE_DISK_FULL */;

    private static void EnsureSpace(string path, long needed, string file)
    {
        string folder = Path.GetDirectoryName(path)!;
        Directory.CreateDirectory(folder);
        long free;
        try
        {
            free = new DriveInfo(folder).AvailableFreeSpace;
        }
        catch (Exception e) when (e is IOException or ArgumentException or UnauthorizedAccessException)
        {
            return; // no way to ask: the write itself reports a full disk
        }
        if (needed > free)
            throw new HubDiskFullException($"not enough disk space for {file}: it needs {needed:N0} more bytes, {free:N0} are free in {folder}");
    }

    /// <summary>An exclusive lock on <paramref name="path"/> (flock, as huggingface_hub's filelock takes), waited for while another pull holds it.</summary>
    private static async Task<FileStream> AcquireLockAsync(string path, Action waiting, CancellationToken cancel)
    {
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        bool told = false;
        while (true)
        {
            try
            {
                return new FileStream(path, FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.None);
            }
            catch (IOException) when (!cancel.IsCancellationRequested)
            {
                if (!told) waiting();
                told = true;
                await Task.Delay(200, cancel).ConfigureAwait(false);
            }
        }
    }

    /// <summary>
    /// The running checksum: sha256 of the content for LFS files, else git's blob sha1 ("blob SIZE\0" + content).
    /// Kept across retries so a resumed transfer hashes only the new bytes.
    /// </summary>
    private sealed class ContentHash(RepoFile file)
    {
        private IncrementalHash _hash = Create(file);

        public string Expected { get; } = file.Sha256 ?? file.GitOid!;
        public long Length { get; private set; }
        public string? Actual { get; private set; }

        /// <summary>Hashes what an earlier attempt left at <paramref name="path"/>; a partial longer than the file is dropped.</summary>
        public long Resume(string path, long size)
        {
            _hash.Dispose();
            _hash = Create(file);
            Length = 0;
            if (!File.Exists(path)) return 0;
            using var input = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite, BufferSize);
            if (input.Length > size)
            {
                input.Dispose();
                return Restart(path);
            }
            var buffer = new byte[BufferSize];
            int read;
            while ((read = input.Read(buffer)) > 0) Append(buffer.AsSpan(0, read));
            return Length;
        }

        public long Restart(string path)
        {
            File.Delete(path);
            _hash.Dispose();
            _hash = Create(file);
            return Length = 0;
        }

        public void Append(ReadOnlySpan<byte> bytes)
        {
            _hash.AppendData(bytes);
            Length += bytes.Length;
        }

        public string Finish() => Actual = Convert.ToHexStringLower(_hash.GetHashAndReset());

        private static IncrementalHash Create(RepoFile file)
        {
            if (file.Sha256 is not null) return IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
            var sha1 = IncrementalHash.CreateHash(HashAlgorithmName.SHA1);
            sha1.AppendData(Encoding.ASCII.GetBytes($"blob {file.Size}\0"));
            return sha1;
        }
    }
}
