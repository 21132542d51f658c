using GroveMoE.Cpu.CommandLine;
using Microsoft.Extensions.Logging;

namespace GroveMoE.Cli.Output;

/// <summary>A library's log on stderr as <c>note:</c> lines (warnings and above), the way grove reports what it
/// did instead of what was asked (a layer left on the CPU, say).</summary>
internal sealed class NoteLogger : ILogger
{
    public static NoteLogger Instance { get; } = new();

    public IDisposable? BeginScope<TState>(TState state) where TState : notnull => null;

    public bool IsEnabled(LogLevel logLevel) => logLevel >= LogLevel.Warning;

    public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
    {
        if (IsEnabled(logLevel)) StandardError.Line($"note: {formatter(state, exception)}");
    }
}
