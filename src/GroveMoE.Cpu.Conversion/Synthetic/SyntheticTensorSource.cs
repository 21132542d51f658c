namespace GroveMoE.Cpu.Conversion.Synthetic;

/// <summary>
/// Deterministic random values for one tensor: uniform with a chosen standard deviation around a mean,
/// reproducible from (seed, tensor name) alone so tensors can be generated in any order or in parallel.
/// </summary>
public readonly struct SyntheticTensorSource(ulong seed, string name, float mean, float std)
{
    private readonly ulong _stream = seed ^ Fnv1a(name);
    private readonly float _halfWidth = std * MathF.Sqrt(3f);

    /// <summary>Fills <paramref name="values"/> with elements [first, first + values.Length) of the tensor.</summary>
    public void Fill(long first, Span<float> values)
    {
        for (int i = 0; i < values.Length; i++)
        {
            ulong bits = SplitMix(_stream + (ulong)(first + i) * 0x9E3779B97F4A7C15UL);
            float unit = (bits >> 40) * (1f / (1 << 24)) * 2f - 1f; // [-1, 1)
            values[i] = mean + unit * _halfWidth;
        }
    }

    private static ulong SplitMix(ulong z)
    {
        z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9UL;
        z = (z ^ (z >> 27)) * 0x94D049BB133111EBUL;
        return z ^ (z >> 31);
    }

    private static ulong Fnv1a(string s)
    {
        ulong h = 0xCBF29CE484222325UL;
        foreach (char c in s) h = (h ^ c) * 0x100000001B3UL;
        return h;
    }
}
