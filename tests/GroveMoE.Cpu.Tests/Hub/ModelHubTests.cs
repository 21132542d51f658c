using GroveMoE.Cpu.Hub;

namespace GroveMoE.Cpu.Tests.Hub;

/// <summary>Pulls against the loopback stand-in Hub: cache layout, redirects, resume, faults, splits, locks.</summary>
public sealed class ModelHubTests : IAsyncLifetime
{
    private StandInHub _hub = null!;
    private readonly string _cache = Directory.CreateTempSubdirectory("grove-hub-").FullName;

    public async Task InitializeAsync() => _hub = await StandInHub.StartAsync();

    public async Task DisposeAsync()
    {
        await _hub.DisposeAsync();
        Directory.Delete(_cache, recursive: true);
    }

    private ModelHub Hub(string? token = null, bool offline = false, Uri? endpoint = null) => new(new HubOptions
    {
        Endpoint = endpoint ?? _hub.Address,
        Token = token,
        Offline = offline,
        CacheDirectory = _cache,
        RetryDelay = TimeSpan.FromMilliseconds(5),
    });

    private byte[] AddModel(string repo = "acme/Grove-GGUF", int size = 300_000, bool isPrivate = false)
    {
        var q4 = StandInHub.RandomBytes(size, 1);
        _hub.Add(repo, new()
        {
            ["Grove-Q8_0.gguf"] = StandInHub.RandomBytes(1000, 2),
            ["Grove-Q4_K_M.gguf"] = q4,
            ["mmproj-Grove-F16.gguf"] = StandInHub.RandomBytes(100, 3),
            ["README.md"] = "# readme"u8.ToArray(),
        }, isPrivate);
        return q4;
    }

    private string RepoFolder(string repo = "acme/Grove-GGUF") => Path.Combine(_cache, "models--" + repo.Replace("/", "--"));

    [Fact]
    public async Task PullLaysOutTheCacheAsHuggingfaceHubDoes()
    {
        var content = AddModel();
        using var hub = Hub();
        string path = await hub.PullAsync("hf.co/acme/Grove-GGUF");

        string sha = StandInHub.Sha256(content), commit = File.ReadAllText(Path.Combine(RepoFolder(), "refs", "main"));
        Assert.Equal(Path.Combine(RepoFolder(), "snapshots", commit, "Grove-Q4_K_M.gguf"), path);
        Assert.Equal(Path.Combine("..", "..", "blobs", sha), new FileInfo(path).LinkTarget);
        Assert.Equal(content, File.ReadAllBytes(path));
        Assert.Equal(content, File.ReadAllBytes(Path.Combine(RepoFolder(), "blobs", sha)));
        Assert.DoesNotContain(_hub.CdnRequests, r => r.Authorized);

        int transfers = _hub.CdnRequests.Count;
        Assert.Equal(path, await hub.PullAsync("acme/Grove-GGUF:q4_k_m"));
        Assert.Equal(transfers, _hub.CdnRequests.Count); // already cached: nothing downloaded again
    }

    [Fact]
    public async Task ACutTransferResumesWithRangeAndTheFileIsWhole()
    {
        var content = AddModel();
        _hub.CutAfter = 70_000;
        _hub.CutsLeft = 3;
        var stages = new List<PullStage>();
        using var hub = Hub();
        string path = await hub.PullAsync("acme/Grove-GGUF", new SynchronousProgress(p => stages.Add(p.Stage)));

        Assert.Equal(content, File.ReadAllBytes(path));
        var requests = _hub.CdnRequests.ToArray();
        // Each retry asks for the bytes after those that arrived (an aborted connection may lose its last unsent chunk).
        Assert.Equal(4, requests.Length);
        Assert.Null(requests[0].From);
        long[] starts = requests.Skip(1).Select(r => r.From!.Value).ToArray();
        Assert.True(starts[0] > 0 && starts[0] < starts[1] && starts[1] < starts[2] && starts[2] <= 210_000, string.Join(",", starts));
        Assert.Equal(content.Length - starts[2], requests[3].Sent);
        Assert.Equal(3, stages.Count(s => s == PullStage.Retrying));
        Assert.Equal(PullStage.Done, stages[^1]);
    }

    [Fact]
    public async Task CancellingKeepsThePartialForTheNextPullToResume()
    {
        var content = AddModel(size: 2_000_000);
        _hub.ChunkDelay = TimeSpan.FromMilliseconds(20);
        using var cancel = new CancellationTokenSource();
        using var hub = Hub();
        var progress = new SynchronousProgress(p =>
        {
            if (p.BytesDone > 0 && p.Stage == PullStage.Downloading) cancel.Cancel();
        });
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => hub.PullAsync("acme/Grove-GGUF", progress, cancel.Token));

        string incomplete = Path.Combine(RepoFolder(), "blobs", StandInHub.Sha256(content) + ".incomplete");
        long kept = new FileInfo(incomplete).Length;
        Assert.InRange(kept, 1, content.Length - 1);
        Assert.False(Directory.Exists(Path.Combine(RepoFolder(), "snapshots")));

        _hub.ChunkDelay = TimeSpan.Zero;
        string path = await hub.PullAsync("acme/Grove-GGUF");
        Assert.Equal(content, File.ReadAllBytes(path));
        Assert.Equal(kept, _hub.CdnRequests.Last().From);
        Assert.False(File.Exists(incomplete));
    }

    [Fact]
    public async Task AServerIgnoringRangeOrAnswering416StillGivesTheWholeFile()
    {
        var content = AddModel();
        string blobs = Path.Combine(RepoFolder(), "blobs");
        Directory.CreateDirectory(blobs);
        string incomplete = Path.Combine(blobs, StandInHub.Sha256(content) + ".incomplete");
        File.WriteAllBytes(incomplete, content[..1000]);
        _hub.IgnoreRange = true;
        using var hub = Hub();
        Assert.Equal(content, File.ReadAllBytes(await hub.PullAsync("acme/Grove-GGUF")));

        var other = AddModel("acme/Other");
        Directory.CreateDirectory(Path.Combine(RepoFolder("acme/Other"), "blobs"));
        File.WriteAllBytes(Path.Combine(RepoFolder("acme/Other"), "blobs", StandInHub.Sha256(other) + ".incomplete"), other[..1000]);
        _hub.IgnoreRange = false;
        _hub.RangeNotSatisfiableLeft = 1;
        Assert.Equal(other, File.ReadAllBytes(await hub.PullAsync("acme/Other")));
        Assert.Contains(_hub.CdnRequests, r => r.From == 1000 && r.Sent == 0);
    }

    [Fact]
    public async Task ACompletePartialIsOnlyVerifiedAndAWrongOneDeleted()
    {
        var content = AddModel();
        string blobs = Path.Combine(RepoFolder(), "blobs"), sha = StandInHub.Sha256(content);
        Directory.CreateDirectory(blobs);
        File.WriteAllBytes(Path.Combine(blobs, sha + ".incomplete"), content);
        using var hub = Hub();
        await hub.PullAsync("acme/Grove-GGUF");
        Assert.Empty(_hub.CdnRequests);

        var other = AddModel("acme/Other");
        var wrong = (byte[])other.Clone();
        wrong[5] ^= 1;
        Directory.CreateDirectory(Path.Combine(RepoFolder("acme/Other"), "blobs"));
        string partial = Path.Combine(RepoFolder("acme/Other"), "blobs", StandInHub.Sha256(other) + ".incomplete");
        File.WriteAllBytes(partial, wrong);
        var e = await Assert.ThrowsAsync<HubChecksumException>(() => hub.PullAsync("acme/Other"));
        Assert.Contains("deleted", e.Message);
        Assert.False(File.Exists(partial));
    }

    [Fact]
    public async Task CorruptContentIsDeletedAndNeverVisible()
    {
        var content = AddModel();
        _hub.Corrupt.Add("Grove-Q4_K_M.gguf");
        using var hub = Hub();
        var e = await Assert.ThrowsAsync<HubChecksumException>(() => hub.PullAsync("acme/Grove-GGUF"));
        Assert.Contains(StandInHub.Sha256(content), e.Message);
        Assert.Empty(Directory.GetFiles(Path.Combine(RepoFolder(), "blobs")));
        Assert.False(Directory.Exists(Path.Combine(RepoFolder(), "snapshots")));
        Assert.Null(hub.FindCached(ModelReference.Parse("acme/Grove-GGUF")));
    }

    [Fact]
    public async Task UnknownAndPrivateRepositoriesSayWhatToDo()
    {
        AddModel("acme/Private", isPrivate: true);
        using var anonymous = Hub();
        var missing = await Assert.ThrowsAsync<HubRepositoryNotFoundException>(() => anonymous.PullAsync("acme/Nope"));
        Assert.Contains("HF_TOKEN", missing.Message);
        var secret = await Assert.ThrowsAsync<HubRepositoryNotFoundException>(() => anonymous.PullAsync("acme/Private"));
        Assert.Contains("HF_TOKEN", secret.Message);

        using var wrongToken = Hub(token: "hf_wrong");
        await Assert.ThrowsAsync<HubAccessDeniedException>(() => wrongToken.PullAsync("acme/Private"));
        using var loggedIn = Hub(token: _hub.Token);
        await Assert.ThrowsAsync<HubRepositoryNotFoundException>(() => loggedIn.PullAsync("acme/Nope"));
        Assert.True(File.Exists(await loggedIn.PullAsync("acme/Private")));
        Assert.DoesNotContain(_hub.CdnRequests, r => r.Authorized);
    }

    [Fact]
    public async Task NoMatchingQuantListsTheQuantsInTheRepository()
    {
        AddModel();
        using var hub = Hub();
        var e = await Assert.ThrowsAsync<HubQuantNotFoundException>(() => hub.PullAsync("acme/Grove-GGUF:Q5_K_M"));
        Assert.Equal(["Q4_K_M", "Q8_0"], e.Available.Order());
        Assert.Empty(_hub.CdnRequests);
    }

    [Fact]
    public async Task SplitModelsFetchEveryPart()
    {
        var parts = Enumerable.Range(1, 3).Select(i => StandInHub.RandomBytes(20_000 + i, 10 + i)).ToArray();
        _hub.Add("acme/Split", new()
        {
            ["Q4_0/Grove-Q4_0-00001-of-00003.gguf"] = parts[0],
            ["Q4_0/Grove-Q4_0-00002-of-00003.gguf"] = parts[1],
            ["Q4_0/Grove-Q4_0-00003-of-00003.gguf"] = parts[2],
            ["Grove-Q8_0.gguf"] = StandInHub.RandomBytes(10, 4),
        });
        _hub.PageSize = 2; // the listing arrives in pages
        using var hub = Hub();
        string first = await hub.PullAsync("acme/Split:Q4_0");
        Assert.EndsWith(Path.Combine("Q4_0", "Grove-Q4_0-00001-of-00003.gguf"), first);
        for (int i = 0; i < 3; i++)
            Assert.Equal(parts[i], File.ReadAllBytes(first.Replace("00001-of", $"0000{i + 1}-of")));
        var model = Assert.Single(hub.ListCached());
        Assert.Equal(("acme/Split", "Q4_0", parts.Sum(p => (long)p.Length)), (model.RepoId, model.Quant, model.Size));
        Assert.Equal(3, model.Files.Count);
    }

    [Fact]
    public async Task TwoPullsOfTheSameFileAtOnceDownloadItOnce()
    {
        var content = AddModel();
        _hub.Delay = TimeSpan.FromMilliseconds(300);
        using var one = Hub();
        using var two = Hub();
        var paths = await Task.WhenAll(one.PullAsync("acme/Grove-GGUF"), two.PullAsync("acme/Grove-GGUF"));
        Assert.Equal(paths[0], paths[1]);
        Assert.Equal(content, File.ReadAllBytes(paths[0]));
        Assert.Single(_hub.CdnRequests);
    }

    [Fact]
    public async Task WithoutNetworkOrOfflineTheCacheServesAndAMissingModelSaysSo()
    {
        var content = AddModel();
        var closed = new Uri("http://127.0.0.1:9/"); // the discard port: nothing listens
        using var unreachable = Hub(endpoint: closed);
        var e = await Assert.ThrowsAsync<HubUnavailableException>(() => unreachable.PullAsync("acme/Grove-GGUF"));
        Assert.Contains("cannot reach", e.Message);
        Assert.Contains("HF_HUB_OFFLINE", e.Message);

        using var offline = Hub(offline: true);
        Assert.Contains("HF_HUB_OFFLINE", (await Assert.ThrowsAsync<HubUnavailableException>(() => offline.PullAsync("acme/Grove-GGUF"))).Message);

        using var hub = Hub();
        string path = await hub.PullAsync("acme/Grove-GGUF");
        int api = _hub.ApiRequests;
        Assert.Equal(path, await offline.PullAsync("acme/Grove-GGUF"));
        Assert.Equal(path, await unreachable.PullAsync("acme/Grove-GGUF"));
        Assert.Equal(path, await offline.GetOrPullAsync("hf.co/acme/Grove-GGUF:Q4_K_M"));
        Assert.Equal(api, _hub.ApiRequests);
        Assert.Null(offline.FindCached(ModelReference.Parse("acme/Grove-GGUF:Q8_0")));
        Assert.Equal(content, File.ReadAllBytes(path));
    }

    [Fact]
    public async Task FilesAnotherHubClientCachedAreReused()
    {
        var content = AddModel();
        // The layout huggingface-cli leaves: blob by sha256, relative link in the snapshot, refs/main.
        string sha = StandInHub.Sha256(content), snapshot = Path.Combine(RepoFolder(), "snapshots", "abc123");
        Directory.CreateDirectory(Path.Combine(RepoFolder(), "blobs"));
        Directory.CreateDirectory(snapshot);
        Directory.CreateDirectory(Path.Combine(RepoFolder(), "refs"));
        File.WriteAllBytes(Path.Combine(RepoFolder(), "blobs", sha), content);
        File.CreateSymbolicLink(Path.Combine(snapshot, "Grove-Q4_K_M.gguf"), $"../../blobs/{sha}");
        File.WriteAllText(Path.Combine(RepoFolder(), "refs", "main"), "abc123");

        using var hub = Hub();
        Assert.Equal(Path.Combine(snapshot, "Grove-Q4_K_M.gguf"), await hub.GetOrPullAsync("acme/Grove-GGUF"));
        Assert.Equal(Path.Combine(snapshot, "Grove-Q4_K_M.gguf"), await hub.PullAsync("acme/Grove-GGUF"));
        Assert.Empty(_hub.CdnRequests);
    }

    [Fact]
    public async Task RemoveDeletesOneQuantOrTheWholeRepository()
    {
        AddModel();
        using var hub = Hub();
        await hub.PullAsync("acme/Grove-GGUF:Q4_K_M");
        await hub.PullAsync("acme/Grove-GGUF:Q8_0");
        Assert.Equal(["Q4_K_M", "Q8_0"], hub.ListCached().Select(m => m.Quant).Order());

        var removed = Assert.Single(hub.Remove(ModelReference.Parse("acme/Grove-GGUF:q8_0")));
        Assert.Equal("Q8_0", removed.Quant);
        Assert.Single(Directory.GetFiles(Path.Combine(RepoFolder(), "blobs")));
        Assert.Equal("Q4_K_M", Assert.Single(hub.ListCached()).Quant);
        Assert.Empty(hub.Remove(ModelReference.Parse("acme/Grove-GGUF:Q8_0")));

        Assert.Single(hub.Remove(ModelReference.Parse("acme/Grove-GGUF")));
        Assert.False(Directory.Exists(RepoFolder()));
        Assert.Empty(hub.ListCached());
    }

    /// <summary>Reports on the caller's thread, in order (Progress&lt;T&gt; posts to the thread pool).</summary>
    private sealed class SynchronousProgress(Action<PullProgress> report) : IProgress<PullProgress>
    {
        public void Report(PullProgress value)
        {
            lock (this) report(value);
        }
    }
}
