using System.Numerics.Tensors;

namespace GroveMoE.Cpu.Model;

/// <summary>Keys and values of every layer for up to <see cref="Capacity"/> positions, a row per position.</summary>
internal sealed class KvCache
{
    private readonly float[][] _keys = [], _values = [];
    private readonly Half[][] _halfKeys = [], _halfValues = [];

    public KvCache(GroveConfig config, int capacity, KvCacheType type = KvCacheType.F32)
    {
        long bytes = RequiredBytes(config, capacity, type);
        long length = (long)capacity * config.KvDim;
        long available = GC.GetGCMemoryInfo().TotalAvailableMemoryBytes;
        // Positions index the per-layer rows with int arithmetic, and an allocation that cannot succeed should
        // say so in numbers rather than end in OutOfMemoryException halfway.
        if (length > Array.MaxLength || bytes > available)
            throw new InsufficientMemoryException(
                $"a KV cache of {capacity} tokens needs {bytes / (1 << 20)} MiB ({type}); {available / (1 << 20)} MiB of memory is available");
        Capacity = capacity;
        RowLength = config.KvDim;
        Type = type;
        if (type == KvCacheType.F32)
        {
            _keys = Enumerable.Range(0, config.Layers).Select(_ => new float[length]).ToArray();
            _values = Enumerable.Range(0, config.Layers).Select(_ => new float[length]).ToArray();
        }
        else
        {
            _halfKeys = Enumerable.Range(0, config.Layers).Select(_ => new Half[length]).ToArray();
            _halfValues = Enumerable.Range(0, config.Layers).Select(_ => new Half[length]).ToArray();
        }
        ByteSize = bytes;
    }

    /// <summary>Bytes of keys and values for <paramref name="capacity"/> positions; long.MaxValue when that overflows.</summary>
    public static long RequiredBytes(GroveConfig config, int capacity, KvCacheType type)
    {
        Int128 bytes = (Int128)2 * config.Layers * capacity * config.KvDim * (type == KvCacheType.F32 ? sizeof(float) : 2);
        return bytes > long.MaxValue ? long.MaxValue : (long)bytes;
    }

    public int Capacity { get; }
    public int RowLength { get; }
    public KvCacheType Type { get; }
    public long ByteSize { get; }

    public void Store(int layer, int position, ReadOnlySpan<float> key, ReadOnlySpan<float> value)
    {
        int at = position * RowLength;
        if (Type == KvCacheType.F32)
        {
            key.CopyTo(_keys[layer].AsSpan(at, RowLength));
            value.CopyTo(_values[layer].AsSpan(at, RowLength));
        }
        else
        {
            TensorPrimitives.ConvertToHalf(key, _halfKeys[layer].AsSpan(at, RowLength));
            TensorPrimitives.ConvertToHalf(value, _halfValues[layer].AsSpan(at, RowLength));
        }
    }

    /// <summary>One head's slice of a cached key; F16 entries are widened into <paramref name="scratch"/>.</summary>
    public ReadOnlySpan<float> Key(int layer, int position, int offset, Span<float> scratch) =>
        Row(_keys, _halfKeys, layer, position, offset, scratch);

    /// <summary>One head's slice of a cached value; F16 entries are widened into <paramref name="scratch"/>.</summary>
    public ReadOnlySpan<float> Value(int layer, int position, int offset, Span<float> scratch) =>
        Row(_values, _halfValues, layer, position, offset, scratch);

    private ReadOnlySpan<float> Row(float[][] full, Half[][] half, int layer, int position, int offset, Span<float> scratch)
    {
        int at = position * RowLength + offset;
        if (Type == KvCacheType.F32) return full[layer].AsSpan(at, scratch.Length);
        TensorPrimitives.ConvertToSingle(half[layer].AsSpan(at, scratch.Length), scratch);
        return scratch;
    }
}
