using System.Runtime.InteropServices;

namespace GroveMoE.Quantizer.Output;

/// <summary>
/// Turns Ctrl-C and SIGTERM into cancellation instead of killing the process, so that a run stops cleanly and
/// removes its temporary output.
/// </summary>
public sealed class InterruptToken : IDisposable
{
    private readonly CancellationTokenSource _source = new();
    private readonly PosixSignalRegistration _sigint;
    private readonly PosixSignalRegistration _sigterm;

    public InterruptToken()
    {
        _sigint = PosixSignalRegistration.Create(PosixSignal.SIGINT, Cancel);
        _sigterm = PosixSignalRegistration.Create(PosixSignal.SIGTERM, Cancel);
    }

    public CancellationToken Token => _source.Token;

    private void Cancel(PosixSignalContext context)
    {
        context.Cancel = true;
        _source.Cancel();
    }

    public void Dispose()
    {
        _sigint.Dispose();
        _sigterm.Dispose();
        _source.Dispose();
    }
}
