namespace GroveMoE.Cpu.Model;

/// <summary>
/// A backend that runs some transformer layers somewhere else (a GPU), with its own KV cache for them.
/// <see cref="GroveForward"/> hands it the hidden-state rows of an owned layer instead of running that layer itself.
/// </summary>
public interface ILayerOffload : IDisposable
{
    /// <summary>Whether <paramref name="layer"/>'s attention (norms, q/k/v/o, RoPE, KV cache) runs on this backend.</summary>
    bool OwnsLayer(int layer);

    /// <summary>Whether the router and experts of an owned layer run here too; if not, the CPU runs them after <see cref="RunLayer"/>.</summary>
    bool OwnsExperts(int layer);

    /// <summary>
    /// Runs layer <paramref name="layer"/> on rows <paramref name="x"/> (n × hidden) at positions
    /// <paramref name="startPosition"/>.., updating them in place: attention, then the mixture of experts when
    /// <see cref="OwnsExperts"/>. Returns the adjugate groups it ran (summed over the rows; 0 without experts).
    /// </summary>
    int RunLayer(int layer, Span<float> x, int n, int startPosition);
}
