using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

namespace GroveMoE.Cpu.Model;

/// <summary>
/// Keys and values of every layer for up to <see cref="Capacity"/> positions, laid out for the attention kernel:
/// each KV head's entries are contiguous (the query heads that share it read them once), values a row of
/// <c>HeadDim</c> per position, keys in blocks of <see cref="KeyBlock"/> positions stored dimension by dimension, so a
/// vector load holds one dimension of sixteen keys and the scores of a query need no horizontal sums. A block of
/// positions starts at the same offset (<c>position · HeadDim</c>) in both arrays.
/// </summary>
internal sealed unsafe class KvCache
{
    /// <summary>Positions per key block (one 512-bit vector of floats).</summary>
    public const int KeyBlock = 16;

    /// <summary>The capacity is rounded up to this many positions, so a kernel may read whole tiles.</summary>
    public const int Tile = 64;

    // Pinned (they live on the pinned object heap) so the kernel reads them through pointers taken once.
    private readonly float[][] _keys = [], _values = [];
    private readonly Half[][] _halfKeys = [], _halfValues = [];
    private readonly Half[] _halfRow = [];
    private readonly int _headDim, _headStride;

    public KvCache(GroveConfig config, int capacity, KvCacheType type = KvCacheType.F32)
    {
        long bytes = RequiredBytes(config, capacity, type);
        long padded = Padded(capacity);
        long length = padded * config.KvDim;
        long available = GC.GetGCMemoryInfo().TotalAvailableMemoryBytes;
        // Positions index the per-layer rows with int arithmetic, and an allocation that cannot succeed should
        // say so in numbers rather than end in OutOfMemoryException halfway.
        if (length > Array.MaxLength || bytes > available)
            throw new InsufficientMemoryException(
                $"a KV cache of {capacity} tokens needs {bytes / (1 << 20)} MiB ({type}); {available / (1 << 20)} MiB of memory is available");
        Capacity = capacity;
        RowLength = config.KvDim;
        Type = type;
        _headDim = config.HeadDim;
        _headStride = (int)padded * config.HeadDim;
        if (type == KvCacheType.F32)
        {
            _keys = Layers(config.Layers, length, GC.AllocateArray<float>);
            _values = Layers(config.Layers, length, GC.AllocateArray<float>);
        }
        else
        {
            _halfKeys = Layers(config.Layers, length, GC.AllocateArray<Half>);
            _halfValues = Layers(config.Layers, length, GC.AllocateArray<Half>);
            _halfRow = new Half[config.KvDim];
        }
        ByteSize = bytes;
    }

    private static T[][] Layers<T>(int layers, long length, Func<int, bool, T[]> allocate) =>
        Enumerable.Range(0, layers).Select(_ => allocate((int)length, true)).ToArray();

    private static long Padded(int capacity) => ((long)capacity + Tile - 1) / Tile * Tile;

    /// <summary>Bytes of keys and values for <paramref name="capacity"/> positions; long.MaxValue when that overflows.</summary>
    public static long RequiredBytes(GroveConfig config, int capacity, KvCacheType type)
    {
        Int128 bytes = (Int128)2 * config.Layers * Padded(capacity) * config.KvDim * (type == KvCacheType.F32 ? sizeof(float) : 2);
        return bytes > long.MaxValue ? long.MaxValue : (long)bytes;
    }

    public int Capacity { get; }
    public int RowLength { get; }
    public KvCacheType Type { get; }
    public long ByteSize { get; }

    /// <summary>Stores the key and value rows (every KV head) of <paramref name="position"/>.</summary>
    public void Store(int layer, int position, ReadOnlySpan<float> key, ReadOnlySpan<float> value)
    {
        int hd = _headDim, heads = RowLength / hd;
        int lane = position % KeyBlock, blockStart = (position - lane) * hd + lane;
        if (Type == KvCacheType.F32)
        {
            var keys = _keys[layer];
            for (int h = 0; h < heads; h++)
            {
                var head = key.Slice(h * hd, hd);
                int at = h * _headStride + blockStart;
                for (int d = 0; d < hd; d++) keys[at + d * KeyBlock] = head[d];
                value.Slice(h * hd, hd).CopyTo(_values[layer].AsSpan(h * _headStride + position * hd, hd));
            }
            return;
        }
        var halves = _halfKeys[layer];
        ToHalf(key, _halfRow);
        for (int h = 0; h < heads; h++)
        {
            int at = h * _headStride + blockStart;
            for (int d = 0; d < hd; d++) halves[at + d * KeyBlock] = _halfRow[h * hd + d];
        }
        ToHalf(value, _halfRow);
        for (int h = 0; h < heads; h++) _halfRow.AsSpan(h * hd, hd).CopyTo(_halfValues[layer].AsSpan(h * _headStride + position * hd, hd));
    }

    /// <summary>
    /// Saturates at ±65504 rather than rounding to ±∞: the kernel's f16 widening (<see cref="Kernels.Formats.HalfVector"/>)
    /// assumes finite halves, and a saturated key still ranks first.
    /// </summary>
    private static void ToHalf(ReadOnlySpan<float> source, Span<Half> destination)
    {
        const float largest = 65504f;
        for (int i = 0; i < source.Length; i++) destination[i] = (Half)Math.Clamp(source[i], -largest, largest);
    }

    /// <summary>The key blocks of one KV head (F32): block of position p (a multiple of 16) at p·HeadDim, [dimension][16].</summary>
    public float* Keys(int layer, int kvHead) => Address(_keys[layer], kvHead);

    /// <summary>The value rows of one KV head (F32): position p at p·HeadDim.</summary>
    public float* Values(int layer, int kvHead) => Address(_values[layer], kvHead);

    /// <summary><see cref="Keys"/> of an F16 cache, as IEEE binary16 bits.</summary>
    public ushort* HalfKeys(int layer, int kvHead) => (ushort*)Address(_halfKeys[layer], kvHead);

    /// <summary><see cref="Values"/> of an F16 cache, as IEEE binary16 bits.</summary>
    public ushort* HalfValues(int layer, int kvHead) => (ushort*)Address(_halfValues[layer], kvHead);

    private T* Address<T>(T[] pinned, int kvHead) where T : unmanaged =>
        (T*)Unsafe.AsPointer(ref MemoryMarshal.GetArrayDataReference(pinned)) + (long)kvHead * _headStride;
}
