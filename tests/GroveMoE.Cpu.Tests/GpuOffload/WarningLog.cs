using Microsoft.Extensions.Logging;

namespace GroveMoE.Cpu.Tests.GpuOffload;

/// <summary>An <see cref="ILogger"/> that keeps the messages of warnings and above.</summary>
internal sealed class WarningLog : ILogger
{
    public List<string> Messages { get; } = [];

    public IDisposable? BeginScope<TState>(TState state) where TState : notnull => null;

    public bool IsEnabled(LogLevel logLevel) => logLevel >= LogLevel.Warning;

    public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
    {
        if (IsEnabled(logLevel)) Messages.Add(formatter(state, exception));
    }
}
