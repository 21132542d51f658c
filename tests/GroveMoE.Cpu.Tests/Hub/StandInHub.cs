using System.Collections.Concurrent;
using System.Net;
using System.Security.Cryptography;
using System.Text.Json;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace GroveMoE.Cpu.Tests.Hub;

/// <summary>
/// A stand-in for the Hugging Face Hub on a loopback port, behaving as the real one does for the calls a pull
/// makes: the tree listing (paged), <c>resolve</c> answered with a 302 to a "CDN" path carrying X-Repo-Commit and
/// X-Linked-Etag, Range requests (206/416), 401/404 with X-Error-Code; and faults on demand (cut transfers,
/// corrupt content, Range ignored).
/// </summary>
public sealed class StandInHub : IAsyncDisposable
{
    private readonly WebApplication _app;
    private readonly ConcurrentDictionary<string, Repo> _repos = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, byte[]> _blobs = new(StringComparer.Ordinal);

    public sealed record Repo(string Id, string Commit, Dictionary<string, byte[]> Files, bool Private);

    private StandInHub(WebApplication app)
    {
        _app = app;
    }

    public Uri Address { get; private set; } = null!;
    private Uri _cdn = null!;
    public string Token { get; } = "hf_test_token";

    /// <summary>Requests the CDN got: (sha256, Range start or null, bytes sent, Authorization present).</summary>
    public ConcurrentQueue<(string Sha, long? From, long Sent, bool Authorized)> CdnRequests { get; } = new();
    public int ApiRequests;

    /// <summary>The next N transfers stop after this many bytes, the connection aborted.</summary>
    public long CutAfter { get; set; } = -1;
    public int CutsLeft;

    /// <summary>Paths whose CDN content differs from what the listing's sha256 says.</summary>
    public HashSet<string> Corrupt { get; } = [];

    /// <summary>The CDN answers without honouring Range (200 and the whole file).</summary>
    public bool IgnoreRange { get; set; }

    /// <summary>The next N ranged requests get 416.</summary>
    public int RangeNotSatisfiableLeft;

    /// <summary>Each CDN transfer pauses this long before its body (so concurrent pulls overlap).</summary>
    public TimeSpan Delay { get; set; }

    /// <summary>The CDN pauses this long after each 64 KiB it sends (a slow network).</summary>
    public TimeSpan ChunkDelay { get; set; }

    /// <summary>Listing entries per page (the Hub pages large trees with Link: rel="next").</summary>
    public int PageSize { get; set; } = 1000;

    public static async Task<StandInHub> StartAsync()
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.UseKestrel(k =>
        {
            k.Listen(IPAddress.Loopback, 0); // the Hub
            k.Listen(IPAddress.Loopback, 0); // its CDN: another origin, as the real one is
        });
        var app = builder.Build();
        var hub = new StandInHub(app);
        app.MapGet("/api/models/{owner}/{name}/tree/main", hub.Tree);
        app.MapGet("/{owner}/{name}/resolve/main/{**file}", hub.Resolve);
        app.MapGet("/cdn/{sha}", hub.Cdn);
        await app.StartAsync();
        var addresses = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!;
        hub.Address = new Uri(addresses.Addresses.First() + "/");
        hub._cdn = new Uri(addresses.Addresses.Last() + "/");
        return hub;
    }

    public Repo Add(string id, Dictionary<string, byte[]> files, bool isPrivate = false)
    {
        var repo = new Repo(id, Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(20)), files, isPrivate);
        _repos[id] = repo;
        foreach (var content in files.Values) _blobs[Sha256(content)] = content;
        return repo;
    }

    public static string Sha256(byte[] content) => Convert.ToHexStringLower(SHA256.HashData(content));

    public static byte[] RandomBytes(int length, int seed)
    {
        var bytes = new byte[length];
        new Random(seed).NextBytes(bytes);
        return bytes;
    }

    private IResult? Authorize(HttpContext context, Repo? repo)
    {
        bool hasToken = context.Request.Headers.Authorization.ToString() == $"Bearer {Token}";
        if (repo is null || (repo.Private && !hasToken))
        {
            // The real Hub answers 401 for a missing repository to a caller without a token, so as not to tell
            // private ones apart; 404 to a logged-in caller.
            context.Response.Headers["X-Error-Code"] = "RepoNotFound";
            return Results.StatusCode(hasToken ? 404 : 401);
        }
        return null;
    }

    private IResult Tree(HttpContext context, string owner, string name, int? cursor)
    {
        Interlocked.Increment(ref ApiRequests);
        var repo = _repos.GetValueOrDefault($"{owner}/{name}");
        if (Authorize(context, repo) is { } denied) return denied;
        var entries = repo!.Files.OrderBy(f => f.Key, StringComparer.Ordinal).Select(f => (object)new
        {
            type = "file",
            oid = Convert.ToHexStringLower(SHA1.HashData(f.Value)),
            size = f.Value.Length,
            path = f.Key,
            lfs = new { oid = Sha256(f.Value), size = f.Value.Length, pointerSize = 134 },
        }).Prepend(new { type = "directory", oid = "0", size = 0, path = "sub" }).ToList();
        int start = cursor ?? 0;
        if (start + PageSize < entries.Count)
            context.Response.Headers["Link"] = $"<{Address}api/models/{owner}/{name}/tree/main?recursive=true&cursor={start + PageSize}>; rel=\"next\"";
        return Results.Json(entries.Skip(start).Take(PageSize), new JsonSerializerOptions());
    }

    private IResult Resolve(HttpContext context, string owner, string name, string file)
    {
        Interlocked.Increment(ref ApiRequests);
        var repo = _repos.GetValueOrDefault($"{owner}/{name}");
        if (Authorize(context, repo) is { } denied) return denied;
        if (!repo!.Files.TryGetValue(file, out var content))
        {
            context.Response.Headers["X-Error-Code"] = "EntryNotFound";
            return Results.NotFound();
        }
        string sha = Sha256(content);
        context.Response.Headers["X-Repo-Commit"] = repo.Commit;
        context.Response.Headers["X-Linked-Etag"] = $"\"{sha}\"";
        context.Response.Headers["X-Linked-Size"] = content.Length.ToString();
        return Results.Redirect($"{_cdn}cdn/{sha}{(Corrupt.Contains(file) ? "?corrupt=1" : "")}");
    }

    private async Task Cdn(HttpContext context, string sha, int? corrupt)
    {
        var response = context.Response;
        bool authorized = context.Request.Headers.Authorization.Count > 0;
        if (!_blobs.TryGetValue(sha, out var content))
        {
            response.StatusCode = 404;
            return;
        }
        if (corrupt == 1)
        {
            content = (byte[])content.Clone();
            content[content.Length / 2] ^= 0x5A;
        }
        var range = context.Request.GetTypedHeaders().Range?.Ranges.FirstOrDefault();
        long from = 0;
        if (range?.From is { } start && !IgnoreRange)
        {
            if (start >= content.Length || Interlocked.Decrement(ref RangeNotSatisfiableLeft) >= 0)
            {
                CdnRequests.Enqueue((sha, start, 0, authorized));
                response.StatusCode = 416;
                response.Headers.ContentRange = $"bytes */{content.Length}";
                return;
            }
            from = start;
            response.StatusCode = 206;
            response.Headers.ContentRange = $"bytes {from}-{content.Length - 1}/{content.Length}";
        }
        response.ContentLength = content.Length - from;
        response.Headers.ETag = $"\"{sha}\"";
        if (Delay > TimeSpan.Zero) await Task.Delay(Delay);
        long send = content.Length - from;
        bool cut = CutAfter >= 0 && CutAfter < send && Interlocked.Decrement(ref CutsLeft) >= 0;
        if (cut) send = CutAfter;
        CdnRequests.Enqueue((sha, range?.From is null || IgnoreRange ? null : from, send, authorized));
        for (long at = from; at < from + send; at += 64 * 1024)
        {
            int n = (int)Math.Min(64 * 1024, from + send - at);
            await response.Body.WriteAsync(content.AsMemory((int)at, n));
            await response.Body.FlushAsync();
            if (ChunkDelay > TimeSpan.Zero) await Task.Delay(ChunkDelay);
        }
        if (cut) context.Abort();
    }

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
    }
}
