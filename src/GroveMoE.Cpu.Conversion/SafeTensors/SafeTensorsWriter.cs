using System.Text.Json;

namespace GroveMoE.Cpu.Conversion.SafeTensors;

/// <summary>
/// Writes a safetensors file in one pass: the header (offsets computed from the shapes) when created, then each
/// tensor's bytes in the order given, in as many chunks as the caller likes.
/// </summary>
public sealed class SafeTensorsWriter : IDisposable
{
    private readonly Stream _stream;
    private readonly List<SafeTensorInfo> _tensors = [];
    private int _current;
    private long _writtenOfCurrent;

    /// <summary>Writes the header for <paramref name="tensors"/> (in that order) to <paramref name="stream"/>, which it then owns; the data follows through <see cref="WriteTensorData"/>.</summary>
    public SafeTensorsWriter(Stream stream, IEnumerable<(string Name, SafeTensorsDType DType, long[] Shape)> tensors,
        IReadOnlyDictionary<string, string>? metadata = null)
    {
        _stream = stream;
        long offset = 0;
        foreach (var (name, dtype, shape) in tensors)
        {
            long bytes = shape.Aggregate(1L, (a, b) => a * b) * SafeTensorsDTypes.ElementBytes(dtype);
            _tensors.Add(new SafeTensorInfo(name, dtype, shape, offset, offset + bytes));
            offset += bytes;
        }
        WriteHeader(metadata);
        SkipEmpty();
    }

    /// <summary>The tensors as laid out, with their byte ranges.</summary>
    public IReadOnlyList<SafeTensorInfo> Tensors => _tensors;

    /// <summary>Size of the file once complete.</summary>
    public long FileLength { get; private set; }

    /// <summary>The tensor whose bytes are expected next, or null when all are written.</summary>
    public SafeTensorInfo? Next => _current < _tensors.Count ? _tensors[_current] : null;

    /// <summary>Appends the next bytes of <see cref="Next"/>, in order; throws <see cref="InvalidOperationException"/> past the last tensor.</summary>
    public void WriteTensorData(ReadOnlySpan<byte> chunk)
    {
        var tensor = Next ?? throw new InvalidOperationException("all tensor data has been written");
        if (_writtenOfCurrent + chunk.Length > tensor.ByteLength)
            throw new InvalidOperationException($"too many bytes for tensor '{tensor.Name}'");
        _stream.Write(chunk);
        _writtenOfCurrent += chunk.Length;
        if (_writtenOfCurrent == tensor.ByteLength)
        {
            _current++;
            _writtenOfCurrent = 0;
            SkipEmpty();
        }
    }

    /// <summary>Checks that every tensor's bytes were written and flushes; throws <see cref="InvalidOperationException"/> otherwise.</summary>
    public void Finish()
    {
        if (Next is { } missing) throw new InvalidOperationException($"tensor '{missing.Name}' was not written");
        _stream.Flush();
    }

    /// <summary>Closes the stream.</summary>
    public void Dispose() => _stream.Dispose();

    private void SkipEmpty()
    {
        while (Next is { ByteLength: 0 }) _current++;
    }

    private void WriteHeader(IReadOnlyDictionary<string, string>? metadata)
    {
        using var json = new MemoryStream();
        using (var w = new Utf8JsonWriter(json))
        {
            w.WriteStartObject();
            if (metadata is { Count: > 0 })
            {
                w.WriteStartObject("__metadata__");
                foreach (var (key, value) in metadata) w.WriteString(key, value);
                w.WriteEndObject();
            }
            foreach (var t in _tensors)
            {
                w.WriteStartObject(t.Name);
                w.WriteString("dtype", t.DType.ToString());
                w.WriteStartArray("shape");
                foreach (long d in t.Shape) w.WriteNumberValue(d);
                w.WriteEndArray();
                w.WriteStartArray("data_offsets");
                w.WriteNumberValue(t.Begin);
                w.WriteNumberValue(t.End);
                w.WriteEndArray();
                w.WriteEndObject();
            }
            w.WriteEndObject();
        }
        // Like the reference implementation, pad the header with spaces so the data starts 8-byte aligned.
        long padded = (json.Length + 7) / 8 * 8;
        var header = new byte[8 + padded];
        BitConverter.TryWriteBytes(header.AsSpan(0, 8), (ulong)padded);
        json.GetBuffer().AsSpan(0, (int)json.Length).CopyTo(header.AsSpan(8));
        header.AsSpan(8 + (int)json.Length).Fill((byte)' ');
        _stream.Write(header);
        FileLength = header.Length + (_tensors.Count == 0 ? 0 : _tensors[^1].End);
    }
}
