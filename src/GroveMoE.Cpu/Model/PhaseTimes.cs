using System.Diagnostics;

namespace GroveMoE.Cpu.Model;

/// <summary>The steps of a forward pass that <see cref="PhaseTimes"/> times.</summary>
internal enum ForwardPhase
{
    Embed,
    AttentionProjections,
    QkNormRopeStore,
    Attention,
    OutputProjection,
    Router,
    ExpertGateUp,
    ExpertActivate,
    ExpertDown,
    ExpertAccumulate,
    Logits,
}

/// <summary>
/// Wall time per forward-pass step, summed over calls (the kernel benchmarks' <c>probe-prompt</c>): a timestamp
/// per step boundary, so profiling needs no sampler and sees the serial steps the worker pool's spin hides.
/// </summary>
internal sealed class PhaseTimes
{
    private readonly long[] _ticks = new long[Enum.GetValues<ForwardPhase>().Length];
    private long _last = Stopwatch.GetTimestamp();

    /// <summary>Starts timing from now (the time since the last mark belongs to no step).</summary>
    public void Start() => _last = Stopwatch.GetTimestamp();

    /// <summary>Charges the time since the last mark to <paramref name="phase"/>.</summary>
    public void Mark(ForwardPhase phase)
    {
        long now = Stopwatch.GetTimestamp();
        _ticks[(int)phase] += now - _last;
        _last = now;
    }

    public TimeSpan this[ForwardPhase phase] => Stopwatch.GetElapsedTime(0, _ticks[(int)phase]);

    public void Reset() => Array.Clear(_ticks);
}
