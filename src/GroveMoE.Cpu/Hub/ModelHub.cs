namespace GroveMoE.Cpu.Hub;

/// <summary>
/// GGUF models from the Hugging Face Hub, cached where huggingface_hub caches them: <see cref="PullAsync(string, IProgress{PullProgress}?, CancellationToken)"/>
/// downloads (resuming, verified), <see cref="FindCached"/> works offline, <see cref="ListCached"/> and
/// <see cref="Remove"/> manage the cache.
/// </summary>
/// <example>
/// <code>
/// using var hub = new ModelHub();
/// string path = await hub.GetOrPullAsync("hf.co/owner/GroveMoE-Inst-GGUF:Q4_K_M");
/// using var model = LanguageModel.Load(path);
/// </code>
/// </example>
public sealed class ModelHub : IDisposable
{
    private readonly HttpClient _http;
    private readonly bool _ownsHttp;
    private readonly HubCache _cache;
    private readonly HubClient _client;
    private readonly BlobDownloader _downloader;

    /// <param name="options">Endpoint, token, offline mode and cache; default: <see cref="HubOptions.FromEnvironment()"/>.</param>
    /// <param name="httpClient">The client to send requests with (not disposed by the hub); default: one of its own that leaves redirects to the hub.</param>
    public ModelHub(HubOptions? options = null, HttpClient? httpClient = null)
    {
        Options = options ?? HubOptions.FromEnvironment();
        _ownsHttp = httpClient is null;
        _http = httpClient ?? new HttpClient(new SocketsHttpHandler
        {
            AllowAutoRedirect = false,
            ConnectTimeout = TimeSpan.FromSeconds(20),
        })
        {
            Timeout = TimeSpan.FromMinutes(2), // to the response headers; the body has a stall timeout of its own
        };
        _http.DefaultRequestHeaders.UserAgent.ParseAdd("grovemoe-cpu/0.1");
        _cache = new HubCache(Options.CacheDirectory);
        _client = new HubClient(_http, Options);
        _downloader = new BlobDownloader(_client, _cache, Options);
    }

    /// <summary>Endpoint, token, cache folder and offline mode in use.</summary>
    public HubOptions Options { get; }

    /// <summary>Parses <paramref name="reference"/> (<c>[hf.co/]OWNER/REPO[:QUANT]</c>) and pulls it.</summary>
    public Task<string> PullAsync(string reference, IProgress<PullProgress>? progress = null, CancellationToken cancel = default) =>
        PullAsync(ModelReference.Parse(reference), progress, cancel);

    /// <summary>
    /// Lists the repository, picks the GGUF for the quantization (see <see cref="ModelReference.Quant"/>; default
    /// Q4_K_M, else Q8_0, else the first), downloads what the cache lacks (every part of a split model) and returns
    /// the local path of the (first) file. Without network, a cached copy is returned; in offline mode the
    /// network is never asked. Cancelling keeps the partial download for the next pull to resume.
    /// </summary>
    public async Task<string> PullAsync(ModelReference reference, IProgress<PullProgress>? progress = null, CancellationToken cancel = default)
    {
        if (Options.Offline) return FindCached(reference) ?? throw NotCachedOffline(reference);
        IReadOnlyList<RepoFile> files;
        try
        {
            files = await _client.ListFilesAsync(reference.RepoId, cancel).ConfigureAwait(false);
        }
        catch (HubUnavailableException) when (FindCached(reference) is { } cached)
        {
            return cached; // huggingface_hub does the same: no network, but the file is here
        }
        var set = ModelFileSet.Choose(ModelFileSet.Group(files), reference.Quant, reference.RepoId);

        string? commit = null;
        for (int i = 0; i < set.Parts.Count; i++)
        {
            string? named = await _downloader.FetchAsync(reference.RepoId, set.Parts[i], i + 1, set.Parts.Count, progress, cancel).ConfigureAwait(false);
            commit ??= named;
        }
        commit ??= _cache.MainCommit(reference.RepoId) ?? SnapshotHolding(reference.RepoId, set.First) ?? "main";

        string first = "";
        foreach (var part in set.Parts)
        {
            string link = _cache.Link(reference.RepoId, commit, part.Path, part.BlobName!);
            if (first.Length == 0) first = link;
        }
        _cache.SetMainCommit(reference.RepoId, commit);
        return first;
    }

    /// <summary>The cached copy of <paramref name="reference"/>, else a pull.</summary>
    public async Task<string> GetOrPullAsync(string reference, IProgress<PullProgress>? progress = null, CancellationToken cancel = default)
    {
        var parsed = ModelReference.Parse(reference);
        return FindCached(parsed) ?? await PullAsync(parsed, progress, cancel).ConfigureAwait(false);
    }

    /// <summary>The local path of a cached, complete copy of <paramref name="reference"/> (chosen by the same rules as a pull), or null; never uses the network.</summary>
    public string? FindCached(ModelReference reference)
    {
        foreach (var snapshot in _cache.Snapshots(reference.RepoId))
        {
            var sets = ModelFileSet.Group(HubCache.SnapshotFiles(snapshot));
            if (sets.Count == 0) continue;
            try
            {
                var set = ModelFileSet.Choose(sets, reference.Quant, reference.RepoId);
                return Path.Combine(snapshot, set.First.Path.Replace('/', Path.DirectorySeparatorChar));
            }
            catch (HubQuantNotFoundException)
            {
            }
        }
        return null;
    }

    /// <summary>Every GGUF model in the cache, whichever tool downloaded it; one entry per repository and quantization (newest snapshot wins).</summary>
    public IReadOnlyList<CachedModel> ListCached()
    {
        var models = new List<CachedModel>();
        foreach (var repo in _cache.Repositories())
        {
            var seen = new HashSet<string>(StringComparer.OrdinalIgnoreCase);
            foreach (var snapshot in _cache.Snapshots(repo))
            {
                foreach (var set in ModelFileSet.Group(HubCache.SnapshotFiles(snapshot)))
                {
                    if (!seen.Add(set.First.Path)) continue;
                    var paths = set.Parts.Select(p => Path.Combine(snapshot, p.Path.Replace('/', Path.DirectorySeparatorChar))).ToList();
                    models.Add(new CachedModel(repo, set.Quant, set.Size, paths[0], paths));
                }
            }
        }
        return models;
    }

    /// <summary>
    /// Deletes the cached copies of <paramref name="reference"/>: with a quant, that model's files (and the blobs no
    /// other snapshot links to); without, the repository's whole cache folder. Returns what was removed (empty when nothing was cached).
    /// </summary>
    public IReadOnlyList<CachedModel> Remove(ModelReference reference)
    {
        var removed = ListCached().Where(m => m.RepoId.Equals(reference.RepoId, StringComparison.OrdinalIgnoreCase)
            && (reference.Quant is null || m.Quant.Equals(reference.Quant, StringComparison.OrdinalIgnoreCase))).ToList();
        if (reference.Quant is null)
        {
            string folder = _cache.RepoFolder(removed.FirstOrDefault()?.RepoId ?? reference.RepoId);
            if (Directory.Exists(folder)) Directory.Delete(folder, recursive: true);
            return removed;
        }
        foreach (var file in removed.SelectMany(m => m.Files))
        {
            var blob = new FileInfo(file).ResolveLinkTarget(returnFinalTarget: true);
            File.Delete(file);
            if (blob is { Exists: true } && !IsLinked(blob.FullName)) blob.Delete();
        }
        return removed;
    }

    /// <summary>Disposes the HTTP client it created (not one it was given).</summary>
    public void Dispose()
    {
        if (_ownsHttp) _http.Dispose();
    }

    private bool IsLinked(string blob) => Directory.EnumerateFiles(_cache.Root, "*", SearchOption.AllDirectories)
        .Any(f => f.Contains($"{Path.DirectorySeparatorChar}snapshots{Path.DirectorySeparatorChar}", StringComparison.Ordinal)
            && new FileInfo(f).ResolveLinkTarget(returnFinalTarget: true)?.FullName == blob);

    /// <summary>The commit of a snapshot that already links <paramref name="file"/>, when the Hub was not asked for one.</summary>
    private string? SnapshotHolding(string repoId, RepoFile file) =>
        _cache.Snapshots(repoId).Where(s => File.Exists(Path.Combine(s, file.Path))).Select(Path.GetFileName).FirstOrDefault();

    private HubUnavailableException NotCachedOffline(ModelReference reference) =>
        new($"HF_HUB_OFFLINE is set and {reference} is not in the cache ({Options.CacheDirectory})");
}
