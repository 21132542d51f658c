namespace GroveMoE.Cpu.Model;

/// <summary>Keys and values of every layer for up to <see cref="Capacity"/> positions, float32, row per position.</summary>
public sealed class KvCache
{
    private readonly float[][] _keys;
    private readonly float[][] _values;

    public KvCache(GroveConfig config, int capacity)
    {
        Capacity = capacity;
        RowLength = config.KvDim;
        _keys = new float[config.Layers][];
        _values = new float[config.Layers][];
        for (int l = 0; l < config.Layers; l++)
        {
            _keys[l] = new float[(long)capacity * RowLength];
            _values[l] = new float[(long)capacity * RowLength];
        }
    }

    public int Capacity { get; }
    public int RowLength { get; }
    public long ByteSize => 2L * _keys.Length * Capacity * RowLength * sizeof(float);

    public Span<float> Key(int layer, int position) => _keys[layer].AsSpan(position * RowLength, RowLength);
    public Span<float> Value(int layer, int position) => _values[layer].AsSpan(position * RowLength, RowLength);
    public ReadOnlySpan<float> Keys(int layer, int positions) => _keys[layer].AsSpan(0, positions * RowLength);
    public ReadOnlySpan<float> Values(int layer, int positions) => _values[layer].AsSpan(0, positions * RowLength);
}
