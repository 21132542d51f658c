using GroveMoE.Cpu.Quantization;

namespace GroveMoE.Cpu.Tests.Reference;

/// <summary>Which semantics the reference forward pass follows; the default is the authors' model.</summary>
public sealed record ReferenceVariant
{
    public static readonly ReferenceVariant Faithful = new();

    /// <summary>
    /// Round the input of every matmul with Q8_0/Q4_0 weights to Q8 blocks (f32 scale max|x|/127, round half away
    /// from zero), which is what an integer dot kernel computes exactly.
    /// </summary>
    public bool RoundActivationsToQ8 { get; init; }

    /// <summary>
    /// Rounds the input of a matmul as an engine's kernel for that weight type would (null: leave it, or
    /// <see cref="RoundActivationsToQ8"/>); bench/peer/kquant-error-sources.cs splits an engine's error by weight type with it.
    /// </summary>
    public Func<GgmlType, double[], double[]>? ActivationRounding { get; init; }

    /// <summary>llama.cpp departure 1: the adjugate experts read the routed experts' output instead of h.</summary>
    public bool AdjugatesReadRoutedOutput { get; init; }

    /// <summary>llama.cpp departure 2: group g's weight is the routing probability of expert number g.</summary>
    public bool AdjugateWeightAtGroupIndex { get; init; }
}
