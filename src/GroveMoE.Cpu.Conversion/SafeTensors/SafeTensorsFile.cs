using System.IO.MemoryMappedFiles;
using System.Runtime.InteropServices;
using GroveMoE.Cpu.Quantization;

namespace GroveMoE.Cpu.Conversion.SafeTensors;

/// <summary>
/// A safetensors file mapped into memory with its header checked. Tensor data is read straight from the
/// mapping, a range of elements at a time, converted to f32.
/// </summary>
public sealed unsafe partial class SafeTensorsFile : IDisposable
{
    private readonly MemoryMappedFile? _map;
    private readonly MemoryMappedViewAccessor? _view;
    private readonly byte* _data;
    private readonly long _dataOffset, _fileLength;
    private readonly Dictionary<string, SafeTensorInfo> _tensors;

    private SafeTensorsFile(string path, MemoryMappedFile? map, MemoryMappedViewAccessor? view, byte* fileStart, long length)
    {
        Path = path;
        _map = map;
        _view = view;
        try
        {
            string name = System.IO.Path.GetFileName(path);
            long headerLength = SafeTensorsHeader.ReadLength(new ReadOnlySpan<byte>(fileStart, (int)Math.Min(8, length)), length, name);
            var json = new ReadOnlySpan<byte>(fileStart + 8, (int)headerLength);
            (var tensors, Metadata) = SafeTensorsHeader.Parse(json, length - 8 - headerLength, name);
            _data = fileStart + 8 + headerLength;
            _dataOffset = 8 + headerLength;
            _fileLength = length;
            _tensors = new Dictionary<string, SafeTensorInfo>(tensors.Count, StringComparer.Ordinal);
            foreach (var t in tensors) _tensors[t.Name] = t;
        }
        catch
        {
            Dispose();
            throw;
        }
    }

    /// <summary>The file it maps.</summary>
    public string Path { get; }
    /// <summary>The header's <c>__metadata__</c> strings.</summary>
    public IReadOnlyDictionary<string, string> Metadata { get; }
    /// <summary>Every tensor of the header.</summary>
    public IEnumerable<SafeTensorInfo> Tensors => _tensors.Values;

    /// <summary>Maps <paramref name="path"/> and parses its header; throws <see cref="FileNotFoundException"/> or <see cref="SafeTensorsFormatException"/>.</summary>
    public static SafeTensorsFile Open(string path)
    {
        if (!File.Exists(path)) throw new FileNotFoundException($"no such file: {path}", path);
        // The stream's length is the target's even when path is a symbolic link, as in the Hugging Face cache
        // (FileInfo gives the link's own).
        var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read);
        long length = stream.Length;
        if (length < 8)
        {
            stream.Dispose();
            throw new SafeTensorsFormatException($"{System.IO.Path.GetFileName(path)}: {length} bytes, too short for a safetensors header");
        }
        var map = MemoryMappedFile.CreateFromFile(stream, null, 0, MemoryMappedFileAccess.Read, HandleInheritability.None, leaveOpen: false);
        var view = map.CreateViewAccessor(0, 0, MemoryMappedFileAccess.Read);
        byte* pointer = null;
        view.SafeMemoryMappedViewHandle.AcquirePointer(ref pointer);
        return new SafeTensorsFile(path, map, view, pointer + view.PointerOffset, length);
    }

    /// <summary>Whether the file holds a tensor named <paramref name="name"/>.</summary>
    public bool Contains(string name) => _tensors.ContainsKey(name);

    /// <summary>The tensor named <paramref name="name"/>; throws <see cref="SafeTensorsFormatException"/> when there is none.</summary>
    public SafeTensorInfo Tensor(string name) => _tensors.TryGetValue(name, out var t)
        ? t
        : throw new SafeTensorsFormatException($"{System.IO.Path.GetFileName(Path)} has no tensor '{name}'");

    /// <summary>Converts elements [first, first + destination.Length) of a float tensor to f32.</summary>
    public void ReadFloats(SafeTensorInfo tensor, long first, Span<float> destination)
    {
        if (first < 0 || first + destination.Length > tensor.ElementCount)
            throw new ArgumentOutOfRangeException(nameof(first), "range outside the tensor");
        int size = SafeTensorsDTypes.ElementBytes(tensor.DType);
        if (!_tensors.TryGetValue(tensor.Name, out var own) || own != tensor)
            throw new ArgumentException($"tensor '{tensor.Name}' is not one of {System.IO.Path.GetFileName(Path)}'s", nameof(tensor));
        long offset = tensor.Begin + first * size;
        SafeTensorsBounds.Check(_dataOffset + offset, (long)destination.Length * size, _fileLength, Path);
        var bytes = new ReadOnlySpan<byte>(_data + offset, destination.Length * size);
        switch (tensor.DType)
        {
            case SafeTensorsDType.BF16: RowCodec.Dequantize(GgmlType.BF16, bytes, destination); break;
            case SafeTensorsDType.F16: RowCodec.Dequantize(GgmlType.F16, bytes, destination); break;
            case SafeTensorsDType.F32: MemoryMarshal.Cast<byte, float>(bytes).CopyTo(destination); break;
            default:
                throw new SafeTensorsFormatException($"tensor '{tensor.Name}' is {tensor.DType}; only F32, F16 and BF16 can be converted");
        }
    }

    /// <summary>
    /// Tells the kernel that elements already read need not stay mapped into this process, so converting a
    /// model larger than memory keeps a small resident set (the page cache keeps them if memory allows).
    /// </summary>
    public void Release(SafeTensorInfo tensor, long first, long count)
    {
        if (!OperatingSystem.IsLinux() || count <= 0) return;
        int size = SafeTensorsDTypes.ElementBytes(tensor.DType);
        long start = (long)(_data + tensor.Begin + first * size);
        long end = start + count * size;
        long page = Environment.SystemPageSize;
        start = start / page * page;
        end = (end + page - 1) / page * page;
        _ = Madvise((nint)start, (nuint)(end - start), MadviseDontNeed);
    }

    private const int MadviseDontNeed = 4;

    [LibraryImport("libc", EntryPoint = "madvise")]
    private static partial int Madvise(nint address, nuint length, int advice);

    /// <summary>Unmaps the file.</summary>
    public void Dispose()
    {
        if (_view is not null)
        {
            _view.SafeMemoryMappedViewHandle.ReleasePointer();
            _view.Dispose();
        }
        _map?.Dispose();
    }
}
