using System.Runtime.Intrinsics;

namespace GroveMoE.Cpu.Model;

/// <summary>
/// NeoX-style rotary position embedding: element i rotates with element i + d/2 by pos * base^(-2i/d). Public so a
/// backend running layers elsewhere (an <see cref="ILayerOffload"/>) can use exactly the CPU's angles.
/// </summary>
public sealed class Rope
{
    private readonly float[] _inverseFrequencies;

    /// <summary>The table for heads of <paramref name="headDim"/> elements with base <paramref name="theta"/> (<see cref="GroveConfig.RopeBase"/>).</summary>
    public Rope(int headDim, float theta)
    {
        _inverseFrequencies = new float[headDim / 2];
        for (int i = 0; i < _inverseFrequencies.Length; i++)
            _inverseFrequencies[i] = (float)Math.Pow(theta, -2.0 * i / headDim);
    }

    /// <summary>Half the head dimension: the length of each of the cos and sin tables.</summary>
    public int Half => _inverseFrequencies.Length;

    /// <summary>Fills the cos/sin table of one position (Half entries each).</summary>
    public void Angles(int position, Span<float> cos, Span<float> sin)
    {
        for (int i = 0; i < _inverseFrequencies.Length; i++)
        {
            (sin[i], cos[i]) = MathF.SinCos(position * _inverseFrequencies[i]);
        }
    }

    /// <summary>Rotates one head vector in place with a position's table from <see cref="Angles"/>.</summary>
    internal static void Apply(Span<float> head, ReadOnlySpan<float> cos, ReadOnlySpan<float> sin)
    {
        int half = cos.Length, i = 0;
        if (Vector256.IsHardwareAccelerated)
        {
            var low = head[..half];
            var high = head[half..];
            for (; i + Vector256<float>.Count <= half; i += Vector256<float>.Count)
            {
                var x0 = Vector256.Create<float>(low.Slice(i));
                var x1 = Vector256.Create<float>(high.Slice(i));
                var c = Vector256.Create(cos.Slice(i));
                var s = Vector256.Create(sin.Slice(i));
                (x0 * c - x1 * s).CopyTo(low.Slice(i));
                (x0 * s + x1 * c).CopyTo(high.Slice(i));
            }
        }
        for (; i < half; i++)
        {
            float x0 = head[i], x1 = head[i + half];
            head[i] = x0 * cos[i] - x1 * sin[i];
            head[i + half] = x0 * sin[i] + x1 * cos[i];
        }
    }
}
