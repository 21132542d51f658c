using GroveMoE.Cpu.Generation;

namespace GroveMoE.Cli.Serving;

/// <summary>Where <c>grove serve</c> listens and how it shares the model between requests.</summary>
internal sealed record ServeOptions
{
    /// <summary>An IP address, or <c>localhost</c>; loopback unless the user chooses otherwise.</summary>
    public string Host { get; init; } = "127.0.0.1";

    /// <summary>0 picks a free port (tests).</summary>
    public int Port { get; init; } = 8080;

    /// <summary>When set, every request must carry <c>Authorization: Bearer</c> with this key.</summary>
    public string? ApiKey { get; init; }

    /// <summary>Requests generated at once, each on its own session; the rest wait in arrival order.</summary>
    public int Parallel { get; init; } = 1;

    public SessionOptions Session { get; init; } = new();

    /// <summary>Used for whatever a request leaves unset.</summary>
    public GenerationOptions Generation { get; init; } = new();

    public bool Thinking { get; init; } = true;

    /// <summary>Receives one line per request; null logs nothing.</summary>
    public Action<string>? Log { get; init; }
}
