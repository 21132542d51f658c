using Microsoft.AspNetCore.Http;

namespace GroveMoE.Cli.Serving;

/// <summary>The server's own diagnostics; a bug's stack trace goes to the operator's stderr, never to the client.</summary>
internal static class ServerLog
{
    public static void Error(HttpContext context, Exception e) =>
        Console.Error.WriteLine($"error serving {context.Request.Method} {context.Request.Path}: {e}");
}
