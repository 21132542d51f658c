namespace GroveMoE.Cpu.Fuzz;

/// <summary>
/// One parser under test: seeds to mutate, a run over arbitrary bytes, and the exceptions its documentation allows.
/// Anything else a run throws is a finding.
/// </summary>
public abstract class FuzzTarget
{
    public abstract string Name { get; }

    /// <summary>Valid inputs, built in code so runs are reproducible without files in the repository.</summary>
    public abstract IReadOnlyList<byte[]> Seeds { get; }

    /// <summary>Bytes [0, n) of a seed where mutations matter most (a GGUF header, not its tensor data).</summary>
    public virtual int InterestingPrefix(byte[] seed) => seed.Length;

    /// <summary>True for the text formats, which get JSON-aware mutations too.</summary>
    public virtual bool IsJson => false;

    /// <summary>Parses and uses <paramref name="input"/>; returns normally or throws.</summary>
    public abstract void Run(ReadOnlySpan<byte> input);

    /// <summary>Whether <paramref name="e"/> is a failure the format's API documents for bad input.</summary>
    public abstract bool IsDocumented(Exception e);

    public static IReadOnlyList<FuzzTarget> All(string scratch) =>
    [
        new Targets.GgufTarget.HeaderOnly(scratch),
        new Targets.GgufTarget(scratch),
        new Targets.SafeTensorsTarget(scratch),
        new Targets.CheckpointIndexTarget(scratch),
        new Targets.TokenizerTarget(),
        new Targets.OpenAiRequestTarget(),
    ];
}
