using GroveMoE.Cpu.CommandLine;
using Microsoft.AspNetCore.Http;

namespace GroveMoE.Cli.Serving;

/// <summary>The server's own diagnostics: a bug is one line on the operator's stderr (the stack trace with GROVE_TRACE=1), never sent to the client.</summary>
internal static class ServerLog
{
    public static void Error(HttpContext context, Exception e)
    {
        StandardError.Line($"error serving {context.Request.Method} {context.Request.Path}: {CommandLineApp.BugReport(e)}");
        if (Environment.GetEnvironmentVariable("GROVE_TRACE") == "1") StandardError.Trace(e);
    }
}
