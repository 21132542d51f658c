using System.Text;
using GroveMoE.Cpu.Gguf;
using GroveMoE.Cpu.Quantization;

namespace GroveMoE.Cpu.Conversion.Gguf;

/// <summary>
/// Writes a GGUF v3 file in one pass: the header (metadata and tensor infos with computed offsets) when
/// created, then each tensor's bytes in the order the tensors were given, in as many chunks as the caller likes.
/// </summary>
public sealed class GgufWriter : IDisposable
{
    private readonly Stream _stream;
    private readonly IReadOnlyList<GgufTensorInfo> _tensors;
    private readonly int _alignment;
    private int _current;
    private long _writtenOfCurrent;

    /// <summary>Writes the header for <paramref name="tensors"/> (in that order, each aligned) to <paramref name="stream"/>, which it then owns; the data follows through <see cref="WriteTensorData"/>.</summary>
    public GgufWriter(Stream stream, GgufMetadata metadata, IEnumerable<(string Name, GgmlType Type, long[] Dimensions)> tensors)
    {
        _stream = stream;
        _alignment = metadata.Contains(GgufConstants.AlignmentKey)
            ? metadata.GetInt(GgufConstants.AlignmentKey)
            : GgufConstants.DefaultAlignment;
        var laidOut = new List<GgufTensorInfo>();
        long offset = 0;
        foreach (var (name, type, dims) in tensors)
        {
            var info = new GgufTensorInfo(name, type, dims, offset);
            laidOut.Add(info);
            offset = AlignUp(offset + info.ByteSize);
        }
        _tensors = laidOut;
        WriteHeader(metadata);
        SkipEmptyTensors();
    }

    /// <summary>The tensors as laid out, with their data offsets.</summary>
    public IReadOnlyList<GgufTensorInfo> Tensors => _tensors;

    /// <summary>The tensor whose bytes are expected next, or null when all are written.</summary>
    public GgufTensorInfo? Next => _current < _tensors.Count ? _tensors[_current] : null;

    /// <summary>Appends bytes of the current tensor; a chunk may not run past the tensor's end.</summary>
    public void WriteTensorData(ReadOnlySpan<byte> chunk)
    {
        var tensor = Next ?? throw new InvalidOperationException("all tensor data has been written");
        if (_writtenOfCurrent + chunk.Length > tensor.ByteSize)
            throw new InvalidOperationException($"too many bytes for tensor '{tensor.Name}'");
        _stream.Write(chunk);
        _writtenOfCurrent += chunk.Length;
        if (_writtenOfCurrent == tensor.ByteSize)
        {
            WritePadding(tensor.ByteSize);
            _current++;
            _writtenOfCurrent = 0;
            SkipEmptyTensors();
        }
    }

    /// <summary>Checks that every tensor was written in full and flushes.</summary>
    public void Finish()
    {
        if (Next is { } missing) throw new InvalidOperationException($"tensor '{missing.Name}' was not written");
        _stream.Flush();
    }

    /// <summary>Closes the stream.</summary>
    public void Dispose() => _stream.Dispose();

    private void SkipEmptyTensors()
    {
        while (Next is { ByteSize: 0 }) _current++;
    }

    private long AlignUp(long n) => (n + _alignment - 1) / _alignment * _alignment;

    private void WritePadding(long written)
    {
        long pad = AlignUp(written) - written;
        Span<byte> zeros = stackalloc byte[64];
        zeros.Clear();
        while (pad > 0)
        {
            int n = (int)Math.Min(pad, zeros.Length);
            _stream.Write(zeros[..n]);
            pad -= n;
        }
    }

    private void WriteHeader(GgufMetadata metadata)
    {
        using var header = new MemoryStream();
        using (var w = new BinaryWriter(header, Encoding.UTF8, leaveOpen: true))
        {
            w.Write(GgufConstants.Magic);
            w.Write(GgufConstants.Version);
            w.Write((ulong)_tensors.Count);
            w.Write((ulong)metadata.Count);
            foreach (var key in metadata.Keys)
            {
                WriteString(w, key);
                var value = metadata[key];
                w.Write((uint)value.Type);
                WriteValue(w, value);
            }
            foreach (var t in _tensors)
            {
                WriteString(w, t.Name);
                w.Write((uint)t.Dimensions.Length);
                foreach (var d in t.Dimensions) w.Write((ulong)d);
                w.Write((uint)t.Type);
                w.Write((ulong)t.Offset);
            }
        }
        _stream.Write(header.GetBuffer().AsSpan(0, (int)header.Length));
        WritePadding(header.Length);
    }

    private static void WriteString(BinaryWriter w, string s)
    {
        var bytes = Encoding.UTF8.GetBytes(s);
        w.Write((ulong)bytes.Length);
        w.Write(bytes);
    }

    private static void WriteValue(BinaryWriter w, GgufValue value)
    {
        if (value.Type == GgufValueType.Array)
        {
            WriteArray(w, value.ElementType, (Array)value.Value);
            return;
        }
        WriteScalar(w, value.Type, value.Value);
    }

    private static void WriteArray(BinaryWriter w, GgufValueType elementType, Array values)
    {
        w.Write((uint)elementType);
        w.Write((ulong)values.Length);
        foreach (var item in values)
        {
            if (elementType == GgufValueType.Array) WriteValue(w, (GgufValue)item!);
            else WriteScalar(w, elementType, item!);
        }
    }

    private static void WriteScalar(BinaryWriter w, GgufValueType type, object value)
    {
        switch (type)
        {
            case GgufValueType.UInt8: w.Write(Convert.ToByte(value)); break;
            case GgufValueType.Int8: w.Write(Convert.ToSByte(value)); break;
            case GgufValueType.UInt16: w.Write(Convert.ToUInt16(value)); break;
            case GgufValueType.Int16: w.Write(Convert.ToInt16(value)); break;
            case GgufValueType.UInt32: w.Write(Convert.ToUInt32(value)); break;
            case GgufValueType.Int32: w.Write(Convert.ToInt32(value)); break;
            case GgufValueType.Float32: w.Write(Convert.ToSingle(value)); break;
            case GgufValueType.Bool: w.Write((bool)value ? (byte)1 : (byte)0); break;
            case GgufValueType.String: WriteString(w, (string)value); break;
            case GgufValueType.UInt64: w.Write(Convert.ToUInt64(value)); break;
            case GgufValueType.Int64: w.Write(Convert.ToInt64(value)); break;
            case GgufValueType.Float64: w.Write(Convert.ToDouble(value)); break;
            default: throw new ArgumentOutOfRangeException(nameof(type), type, "not a scalar GGUF type");
        }
    }
}
