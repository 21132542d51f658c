namespace GroveMoE.Cpu.Hub;

/// <summary>A model could not be fetched from, or found in, the Hub or its cache; the message is one line for the user.</summary>
public class HubException(string message, Exception? inner = null) : Exception(message, inner);

/// <summary>The Hub has no such repository (404), or it is private and no token was given (401).</summary>
public sealed class HubRepositoryNotFoundException(string message) : HubException(message);

/// <summary>The repository is private or gated and the token (or its absence) does not give access (401/403).</summary>
public sealed class HubAccessDeniedException(string message) : HubException(message);

/// <summary>The repository has no GGUF file matching the requested quantization.</summary>
public sealed class HubQuantNotFoundException(string message, IReadOnlyList<string> available) : HubException(message)
{
    /// <summary>The quantizations the repository does have.</summary>
    public IReadOnlyList<string> Available { get; } = available;
}

/// <summary>A downloaded file's sha256 differs from the Hub's; the download was deleted.</summary>
public sealed class HubChecksumException(string message) : HubException(message);

/// <summary>The Hub cannot be reached (no network, a refused connection, a server error), or offline mode has no cached copy.</summary>
public sealed class HubUnavailableException(string message, Exception? inner = null) : HubException(message, inner);

/// <summary>The cache's disk has no room for the download.</summary>
public sealed class HubDiskFullException(string message, Exception? inner = null) : HubException(message, inner);
