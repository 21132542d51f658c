using System.Net;
using System.Net.Http.Headers;
using System.Net.Sockets;
using System.Text.Json;

namespace GroveMoE.Cpu.Hub;

/// <summary>The Hub's HTTP surface this runtime uses: the tree listing and <c>resolve</c> downloads, redirects followed by hand.</summary>
internal sealed class HubClient(HttpClient http, HubOptions options)
{
    private const int MaxRedirects = 10;

    /// <summary>Every file of the repository's main revision (following the listing's <c>Link: rel="next"</c> pages).</summary>
    public async Task<IReadOnlyList<RepoFile>> ListFilesAsync(string repoId, CancellationToken cancel)
    {
        var files = new List<RepoFile>();
        Uri? page = new(options.Endpoint, $"api/models/{repoId}/tree/main?recursive=true");
        while (page is not null)
        {
            using var response = await SendAsync(page, null, repoId, cancel).ConfigureAwait(false);
            EnsureSuccess(response.Message, repoId, null);
            List<TreeEntry>? entries;
            try
            {
                var stream = await response.Message.Content.ReadAsStreamAsync(cancel).ConfigureAwait(false);
                entries = await JsonSerializer.DeserializeAsync(stream, HubJson.Default.ListTreeEntry, cancel).ConfigureAwait(false);
            }
            catch (JsonException e)
            {
                throw new HubException($"{options.Endpoint} sent a file list for {repoId} that is not valid JSON ({e.Message})");
            }
            catch (Exception e) when (e is HttpRequestException or IOException && !cancel.IsCancellationRequested)
            {
                throw Unreachable(e);
            }
            foreach (var entry in entries ?? [])
            {
                if (entry.Type != "file" || entry.Path is not { } path || RepoFile.IsUnsafePath(path) || entry.Size < 0) continue;
                string? sha = Hex(entry.Lfs?.Oid, 64);
                files.Add(new RepoFile(path, entry.Lfs is { Size: >= 0 } lfs && sha is not null ? lfs.Size : entry.Size, sha, Hex(entry.Oid, 40)));
            }
            page = NextPage(response.Message, page);
        }
        return files;
    }

    /// <summary>GET of <c>resolve/main/FILE</c> from <paramref name="offset"/> on (Range), after every redirect.</summary>
    public Task<HubResponse> OpenFileAsync(string repoId, string file, long offset, CancellationToken cancel)
    {
        string escaped = string.Join('/', file.Split('/').Select(Uri.EscapeDataString));
        return SendAsync(new Uri(options.Endpoint, $"{repoId}/resolve/main/{escaped}"), offset, repoId, cancel);
    }

    /// <summary>
    /// Sends a GET and follows redirects itself: the token goes to the Hub only, never to the CDN it redirects to,
    /// as a browser would (same origin only), and the Hub's <c>X-Repo-Commit</c> / <c>X-Linked-Etag</c> on the redirect are kept.
    /// </summary>
    private async Task<HubResponse> SendAsync(Uri url, long? offset, string repoId, CancellationToken cancel)
    {
        string? commit = null, linkedEtag = null;
        for (int hop = 0; ; hop++)
        {
            using var request = new HttpRequestMessage(HttpMethod.Get, url);
            if (options.Token is { } token && Uri.Compare(url, options.Endpoint, UriComponents.SchemeAndServer, UriFormat.Unescaped, StringComparison.OrdinalIgnoreCase) == 0)
                request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
            if (offset > 0) request.Headers.Range = new RangeHeaderValue(offset, null);
            HttpResponseMessage response;
            try
            {
                response = await http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, cancel).ConfigureAwait(false);
            }
            catch (HttpRequestException e)
            {
                throw Unreachable(e);
            }
            catch (TaskCanceledException e) when (!cancel.IsCancellationRequested)
            {
                throw new HubUnavailableException($"{url.Host} did not answer in time for {repoId}", e);
            }
            commit ??= Header(response, "X-Repo-Commit");
            linkedEtag ??= Header(response, "X-Linked-Etag");
            int status = (int)response.StatusCode;
            if (status is 301 or 302 or 303 or 307 or 308 && response.Headers.Location is { } location)
            {
                response.Dispose();
                if (hop == MaxRedirects) throw new HubUnavailableException($"{repoId}: more than {MaxRedirects} redirects from {options.Endpoint.Host}");
                url = new Uri(url, location);
                continue;
            }
            return new HubResponse(response, commit, Hex(linkedEtag?.Trim('"').Replace("W/", "", StringComparison.Ordinal).Trim('"'), 64));
        }
    }

    /// <summary>Throws the exception a failed status means for the user; <paramref name="file"/> null for the listing.</summary>
    public void EnsureSuccess(HttpResponseMessage response, string repoId, string? file)
    {
        if (response.IsSuccessStatusCode) return;
        string code = Header(response, "X-Error-Code") ?? "";
        string where = file is null ? repoId : $"{file} in {repoId}";
        throw (int)response.StatusCode switch
        {
            401 when code == "GatedRepo" => new HubAccessDeniedException($"{repoId} is gated: accept its terms on its Hub page, then set HF_TOKEN to a token of that account"),
            401 when options.Token is null && code == "RepoNotFound" => new HubRepositoryNotFoundException($"{repoId}: no such repository on {options.Endpoint.Host} (if it is private, set HF_TOKEN to a token that can read it)"),
            401 when options.Token is null => new HubAccessDeniedException($"{repoId} needs a login (401): set HF_TOKEN to a token that can read it"),
            401 => new HubAccessDeniedException($"{repoId}: the Hub refused HF_TOKEN (401); check the token"),
            403 => new HubAccessDeniedException($"{repoId}: access denied (403): HF_TOKEN cannot read this repository (a gated model needs its terms accepted)"),
            404 when file is null || code == "RepoNotFound" => new HubRepositoryNotFoundException($"{repoId}: no such repository on {options.Endpoint.Host}"),
            404 => new HubException($"{where}: not found on {options.Endpoint.Host}"),
            _ => new HubUnavailableException($"{options.Endpoint.Host} answered {(int)response.StatusCode} {response.ReasonPhrase} for {where}"),
        };
    }

    public HubUnavailableException Unreachable(Exception e)
    {
        string why = e.InnerException is SocketException s ? s.Message : e.Message;
        return new HubUnavailableException(
            $"cannot reach {options.Endpoint.Host} ({why}): check the network, or set HF_HUB_OFFLINE=1 to use cached models", e);
    }

    private static Uri? NextPage(HttpResponseMessage response, Uri current)
    {
        if (!response.Headers.TryGetValues("Link", out var links)) return null;
        foreach (var link in links.SelectMany(l => l.Split(',')))
        {
            var parts = link.Split(';');
            if (parts.Length > 1 && parts.Skip(1).Any(p => p.Trim().Replace(" ", "") is "rel=\"next\"" or "rel=next"))
                return new Uri(current, parts[0].Trim().TrimStart('<').TrimEnd('>'));
        }
        return null;
    }

    private static string? Header(HttpResponseMessage response, string name) =>
        response.Headers.TryGetValues(name, out var values) ? values.FirstOrDefault() : null;

    /// <summary>The value in lower case when it is <paramref name="length"/> hex digits, else null.</summary>
    private static string? Hex(string? value, int length) =>
        value is { } v && v.Length == length && v.All(Uri.IsHexDigit) ? v.ToLowerInvariant() : null;
}

/// <summary>A response after redirects, with what the Hub said on the way about the commit and the content's sha256.</summary>
internal sealed class HubResponse(HttpResponseMessage message, string? commit, string? linkedSha256) : IDisposable
{
    public HttpResponseMessage Message { get; } = message;
    public string? Commit { get; } = commit;
    public string? LinkedSha256 { get; } = linkedSha256;
    public HttpStatusCode Status => Message.StatusCode;
    public void Dispose() => Message.Dispose();
}
