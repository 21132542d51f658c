namespace GroveMoE.Cpu.Hub;

/// <summary>Where the Hub is, who is asking and where files are cached; <see cref="FromEnvironment()"/> reads them as huggingface_hub does.</summary>
public sealed record HubOptions
{
    /// <summary>The Hub's base address (<c>HF_ENDPOINT</c>; default https://huggingface.co).</summary>
    public Uri Endpoint { get; init; } = new("https://huggingface.co");

    /// <summary>An access token sent as <c>Authorization: Bearer</c> (<c>HF_TOKEN</c>); needed for private and gated repositories.</summary>
    public string? Token { get; init; }

    /// <summary>Never touch the network; use cached files only (<c>HF_HUB_OFFLINE=1</c>).</summary>
    public bool Offline { get; init; }

    /// <summary>The Hub cache (<c>HF_HUB_CACHE</c>, else <c>HF_HOME/hub</c>, else <c>$XDG_CACHE_HOME/huggingface/hub</c> or <c>~/.cache/huggingface/hub</c>).</summary>
    public string CacheDirectory { get; init; } = DefaultCacheDirectory(Environment.GetEnvironmentVariable);

    /// <summary>How many times a cut transfer is resumed before the pull gives up.</summary>
    public int MaxRetries { get; init; } = 5;

    /// <summary>The wait before the first retry; it doubles with each further one.</summary>
    public TimeSpan RetryDelay { get; init; } = TimeSpan.FromSeconds(1);

    /// <summary>The options the process environment describes.</summary>
    public static HubOptions FromEnvironment() => FromEnvironment(Environment.GetEnvironmentVariable);

    internal static HubOptions FromEnvironment(Func<string, string?> variable)
    {
        var options = new HubOptions { CacheDirectory = DefaultCacheDirectory(variable) };
        if (NonEmpty(variable("HF_ENDPOINT")) is { } endpoint)
        {
            if (!Uri.TryCreate(endpoint.TrimEnd('/') + "/", UriKind.Absolute, out var uri) || uri.Scheme is not ("http" or "https"))
                throw new HubException($"HF_ENDPOINT '{endpoint}' is not an http(s) address");
            options = options with { Endpoint = uri };
        }
        string? token = NonEmpty(variable("HF_TOKEN")) ?? NonEmpty(variable("HUGGING_FACE_HUB_TOKEN")) ?? StoredToken(variable);
        bool offline = NonEmpty(variable("HF_HUB_OFFLINE")) is { } flag && flag.ToUpperInvariant() is "1" or "ON" or "YES" or "TRUE";
        return options with { Token = token?.Trim(), Offline = offline };
    }

    private static string DefaultCacheDirectory(Func<string, string?> variable)
    {
        if (NonEmpty(variable("HF_HUB_CACHE")) is { } hubCache) return hubCache;
        return Path.Combine(HomeDirectory(variable), "hub");
    }

    /// <summary><c>HF_HOME</c>, else <c>$XDG_CACHE_HOME/huggingface</c> or <c>~/.cache/huggingface</c>.</summary>
    private static string HomeDirectory(Func<string, string?> variable)
    {
        if (NonEmpty(variable("HF_HOME")) is { } home) return home;
        string cache = NonEmpty(variable("XDG_CACHE_HOME"))
            ?? Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".cache");
        return Path.Combine(cache, "huggingface");
    }

    /// <summary>The token <c>huggingface-cli login</c> stored (<c>HF_TOKEN_PATH</c>, else <c>HF_HOME/token</c>).</summary>
    private static string? StoredToken(Func<string, string?> variable)
    {
        string path = NonEmpty(variable("HF_TOKEN_PATH")) ?? Path.Combine(HomeDirectory(variable), "token");
        try
        {
            return File.Exists(path) ? NonEmpty(File.ReadAllText(path).Trim()) : null;
        }
        catch (IOException)
        {
            return null;
        }
        catch (UnauthorizedAccessException)
        {
            return null;
        }
    }

    private static string? NonEmpty(string? value) => string.IsNullOrWhiteSpace(value) ? null : value;
}
