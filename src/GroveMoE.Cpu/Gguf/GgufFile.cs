using System.IO.MemoryMappedFiles;
using GroveMoE.Cpu.Quantization;

namespace GroveMoE.Cpu.Gguf;

/// <summary>
/// A GGUF file mapped into memory. Tensor data is never copied: <see cref="GgufTensor"/> views point into
/// the mapping, so weights stay in the page cache and are shared by every process that maps the file.
/// </summary>
public sealed unsafe partial class GgufFile : IDisposable
{
    private readonly MemoryMappedFile _map;
    private readonly MemoryMappedViewAccessor _view;
    private readonly byte* _base;
    private readonly Dictionary<string, GgufTensor> _tensors;

    private GgufFile(string path, MemoryMappedFile map, MemoryMappedViewAccessor view, byte* basePointer, long length)
    {
        Path = path;
        _map = map;
        _view = view;
        _base = basePointer;
        FileSize = length;
        try
        {
            (Metadata, var infos, DataStart) = GgufHeaderReader.Parse(basePointer, length);
            _tensors = new Dictionary<string, GgufTensor>(infos.Count, StringComparer.Ordinal);
            foreach (var info in infos) _tensors[info.Name] = new GgufTensor(info, View(DataStart + info.Offset, info.ByteSize));
            TensorInfos = infos;
        }
        catch
        {
            Dispose();
            throw;
        }
    }

    /// <summary>The path it was opened from (the first part of a split model).</summary>
    public string Path { get; }
    /// <summary>Bytes of the file, of all its parts for a split model.</summary>
    public long FileSize { get; private set; }
    /// <summary>Byte offset of the aligned tensor data section in the (first) file.</summary>
    public long DataStart { get; }
    /// <summary>The key-value metadata of the header.</summary>
    public GgufMetadata Metadata { get; }
    /// <summary>Every tensor, those of all parts for a split model.</summary>
    public IReadOnlyList<GgufTensorInfo> TensorInfos { get; private set; }

    /// <summary>
    /// Maps and parses <paramref name="path"/>, and the other parts when it is the first of a split model; throws
    /// <see cref="FileNotFoundException"/> or <see cref="GgufFormatException"/>.
    /// </summary>
    public static GgufFile Open(string path)
    {
        var file = OpenOne(path);
        try
        {
            file.AttachSplitParts();
            return file;
        }
        catch
        {
            file.Dispose();
            throw;
        }
    }

    private static GgufFile OpenOne(string path)
    {
        if (!File.Exists(path)) throw new FileNotFoundException($"no such file: {path}", path);
        // The stream's length is the target's even when path is a symbolic link (FileInfo gives the link's own).
        var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read);
        long length = stream.Length;
        if (length < 24)
        {
            stream.Dispose();
            throw new GgufFormatException(0, $"file is {length} bytes, too short for a GGUF header");
        }
        var map = MemoryMappedFile.CreateFromFile(stream, null, 0, MemoryMappedFileAccess.Read, HandleInheritability.None, leaveOpen: false);
        var view = map.CreateViewAccessor(0, 0, MemoryMappedFileAccess.Read);
        byte* pointer = null;
        view.SafeMemoryMappedViewHandle.AcquirePointer(ref pointer);
        pointer += view.PointerOffset;
        return new GgufFile(path, map, view, pointer, length);
    }

    /// <summary>
    /// The one place a pointer into the mapping is made. The header reader has already refused anything outside the
    /// file; this second check turns a reader bug into an exception instead of a read of other memory.
    /// </summary>
    private byte* View(long offset, long bytes)
    {
        MappingBounds.Check(offset, bytes, FileSize, Path);
        return _base + offset;
    }

    /// <summary>Whether a tensor named <paramref name="name"/> exists.</summary>
    public bool HasTensor(string name) => _tensors.ContainsKey(name);

    /// <summary>The tensor named <paramref name="name"/>; throws <see cref="GgufMissingTensorException"/> when there is none.</summary>
    public GgufTensor Tensor(string name) => _tensors.TryGetValue(name, out var t)
        ? t
        : throw new GgufMissingTensorException(name);

    /// <summary>The tensor named <paramref name="name"/>, or null.</summary>
    public GgufTensor? TryTensor(string name) => _tensors.GetValueOrDefault(name);

    /// <summary>Unmaps the file and its parts; tensor views must not be used after.</summary>
    public void Dispose()
    {
        foreach (var part in _parts) part.Dispose();
        if (_base != null) _view.SafeMemoryMappedViewHandle.ReleasePointer();
        _view.Dispose();
        _map.Dispose();
    }
}

/// <summary>
/// A zero-copy, read-only view of one tensor's data inside a mapped GGUF file, valid while the file is open: its
/// ggml blocks exactly as stored, row after row (a row is the first dimension; a 3-D tensor's rows run through
/// every matrix in turn).
/// </summary>
public sealed unsafe class GgufTensor(GgufTensorInfo info, byte* data)
{
    /// <summary>Name, type, shape and offset as the header declares them.</summary>
    public GgufTensorInfo Info { get; } = info;

    /// <summary>The tensor's name, e.g. <c>blk.0.attn_q.weight</c> (see <see cref="Model.TensorNames"/>).</summary>
    public string Name => Info.Name;

    /// <summary>The ggml element type of its data.</summary>
    public GgmlType Type => Info.Type;

    /// <summary>The ggml shape, fastest-varying dimension first (columns, rows, matrices).</summary>
    public long[] Dimensions => Info.Dimensions;

    internal byte* Data { get; } = data;

    /// <summary>Bytes of one row of <see cref="GgufTensorInfo.RowLength"/> elements.</summary>
    public long RowBytes => GgmlTypeInfo.RowBytes(Type, Info.RowLength);

    /// <summary>The raw bytes; over 2 GiB it throws <see cref="OverflowException"/>: read such a tensor with <see cref="Rows"/>.</summary>
    public ReadOnlySpan<byte> Bytes => new(Data, checked((int)Info.ByteSize));

    /// <summary>The raw bytes of <paramref name="count"/> rows from row <paramref name="first"/>.</summary>
    /// <exception cref="ArgumentOutOfRangeException">The rows are not all in the tensor, or span 2 GiB or more.</exception>
    public ReadOnlySpan<byte> Rows(long first, int count)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(first);
        ArgumentOutOfRangeException.ThrowIfNegative(count);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(count, Info.RowCount - first, nameof(count));
        long bytes = count * RowBytes;
        ArgumentOutOfRangeException.ThrowIfGreaterThan(bytes, int.MaxValue, nameof(count));
        return new(Data + first * RowBytes, (int)bytes);
    }
}

/// <summary>A tensor that a model needs is absent from the file.</summary>
public sealed class GgufMissingTensorException(string name) : Exception($"missing tensor '{name}'")
{
    /// <summary>The tensor that is missing.</summary>
    public string Name { get; } = name;
}
