using GroveMoE.Cpu.Generation;

namespace GroveMoE.Cli.Serving;

/// <summary>Where <c>grove serve</c> listens, how it shares the model between requests and the limits it enforces.</summary>
internal sealed record ServeOptions
{
    /// <summary>An IP address, or <c>localhost</c>; loopback unless the user chooses otherwise.</summary>
    public string Host { get; init; } = "127.0.0.1";

    /// <summary>0 picks a free port (tests).</summary>
    public int Port { get; init; } = 8080;

    /// <summary>When set, every <c>/v1</c> request must carry <c>Authorization: Bearer</c> with this key.</summary>
    public string? ApiKey { get; init; }

    /// <summary>Requests generated at once; the rest wait in arrival order.</summary>
    public int Parallel { get; init; } = 1;

    /// <summary>Requests that may wait for a turn; one more is refused with 503 and <c>Retry-After</c>.</summary>
    public int MaxQueue { get; init; } = 64;

    /// <summary>Largest request body accepted; a larger one gets 413.</summary>
    public long MaxBodyBytes { get; init; } = 4 << 20;

    /// <summary>Longest a request may wait and generate; then its answer ends as if <c>max_tokens</c> were reached.</summary>
    public TimeSpan RequestTimeout { get; init; } = TimeSpan.FromMinutes(10);

    /// <summary>How long running answers may continue after SIGTERM/Ctrl-C before they are ended.</summary>
    public TimeSpan ShutdownGrace { get; init; } = TimeSpan.FromSeconds(10);

    /// <summary>Origins browsers may call from (<c>*</c> for any); empty sends no CORS headers.</summary>
    public IReadOnlyList<string> CorsOrigins { get; init; } = [];

    public SessionOptions Session { get; init; } = new();

    /// <summary>Used for whatever a request leaves unset.</summary>
    public GenerationOptions Generation { get; init; } = new();

    public bool Thinking { get; init; } = true;

    /// <summary>Receives one structured line per request (never the prompt); null logs nothing.</summary>
    public Action<string>? Log { get; init; }

    /// <summary>Receives debug lines (the request fields grove ignores); null logs none.</summary>
    public Action<string>? Debug { get; init; }

    /// <summary>Receives warnings about the configuration (listening beyond loopback without a key).</summary>
    public Action<string>? Warn { get; init; }
}
