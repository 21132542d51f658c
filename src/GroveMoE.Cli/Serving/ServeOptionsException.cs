namespace GroveMoE.Cli.Serving;

/// <summary>The server cannot run with its options: an address it cannot listen on, a KV cache larger than memory.
/// <c>grove serve</c> reports it as one <c>error:</c> line.</summary>
internal sealed class ServeOptionsException(string message) : Exception(message);
