using System.Text;
using GroveMoE.Cpu.Quantization;

namespace GroveMoE.Cpu.Gguf;

/// <summary>
/// Parses the header of a GGUF v3 file from memory, checking every count, length and offset against the
/// bytes available so that a corrupt file fails with a <see cref="GgufFormatException"/> naming the offset.
/// </summary>
internal unsafe ref struct GgufHeaderReader(byte* start, long length)
{
    private long _position;

    public readonly long Position => _position;

    public static (GgufMetadata Metadata, List<GgufTensorInfo> Tensors, long DataStart) Parse(byte* start, long length)
    {
        var reader = new GgufHeaderReader(start, length);
        return reader.ReadAll();
    }

    private (GgufMetadata, List<GgufTensorInfo>, long) ReadAll()
    {
        if (length < 24) throw new GgufFormatException(0, $"file is {length} bytes, too short for a GGUF header");
        uint magic = ReadUInt32();
        if (magic != GgufConstants.Magic) throw new GgufFormatException(0, "not a GGUF file (bad magic)");
        uint version = ReadUInt32();
        if (version is < 2 or > 3) throw new GgufFormatException(4, $"unsupported GGUF version {version}");
        ulong tensorCount = ReadUInt64();
        ulong kvCount = ReadUInt64();
        // Each KV needs at least a key length, a type and a one-byte value; each tensor info at least
        // a name length, a dimension count, one dimension, a type and an offset.
        if (kvCount > (ulong)(length - _position) / MinKeyValueBytes)
            throw new GgufFormatException(16, $"metadata count {kvCount} cannot fit in the file");
        if (tensorCount > (ulong)(length - _position) / MinTensorInfoBytes)
            throw new GgufFormatException(8, $"tensor count {tensorCount} cannot fit in the file");

        var metadata = new GgufMetadata();
        long alignmentAt = -1;
        for (ulong i = 0; i < kvCount; i++)
        {
            long at = _position;
            string key = ReadString();
            if (key == GgufConstants.AlignmentKey) alignmentAt = at;
            var type = ReadValueType();
            if (metadata.Contains(key)) throw new GgufFormatException(at, $"duplicate metadata key '{key}'");
            metadata.Set(key, ReadValue(type));
        }

        int alignment = GgufConstants.DefaultAlignment;
        if (metadata.Contains(GgufConstants.AlignmentKey))
        {
            try
            {
                alignment = metadata.GetInt(GgufConstants.AlignmentKey);
            }
            catch (GgufFormatException e)
            {
                throw new GgufFormatException(alignmentAt, e.Message);
            }
            if (alignment <= 0 || (alignment & (alignment - 1)) != 0)
                throw new GgufFormatException(alignmentAt, $"general.alignment = {alignment} is not a power of two");
        }

        var tensors = new List<GgufTensorInfo>((int)Math.Min(tensorCount, 4096));
        var names = new HashSet<string>(StringComparer.Ordinal);
        for (ulong i = 0; i < tensorCount; i++)
        {
            long at = _position;
            string name = ReadString();
            if (!names.Add(name)) throw new GgufFormatException(at, $"duplicate tensor name '{name}'");
            uint dimCount = ReadUInt32();
            if (dimCount is 0 or > GgufConstants.MaxDimensions)
                throw new GgufFormatException(at, $"tensor '{name}' has {dimCount} dimensions");
            var dims = new long[dimCount];
            for (int d = 0; d < dimCount; d++)
            {
                ulong dim = ReadUInt64();
                if (dim == 0 || dim > int.MaxValue)
                    throw new GgufFormatException(at, $"tensor '{name}' has dimension {d} = {dim}");
                dims[d] = (long)dim;
            }
            uint typeCode = ReadUInt32();
            var type = (GgmlType)typeCode;
            if (!GgmlTypeInfo.IsKnown(type))
                throw new GgufFormatException(at, $"tensor '{name}' has unknown ggml type {typeCode}");
            if (dims[0] % GgmlTypeInfo.BlockSize(type) != 0)
                throw new GgufFormatException(at, $"tensor '{name}' row of {dims[0]} is not a whole number of {type} blocks");
            // The size must be known to fit in the file before anything multiplies it again (GgufTensorInfo.ByteSize).
            if (GgufTensorInfo.TryComputeByteSize(type, dims) is not { } size || size > length)
                throw new GgufFormatException(at, $"tensor '{name}' of shape {{{string.Join(", ", dims)}}} is larger than the {length}-byte file");
            ulong offset = ReadUInt64();
            if (offset % (ulong)alignment != 0)
                throw new GgufFormatException(at, $"tensor '{name}' data offset {offset} is not aligned to {alignment}");
            // Offsets are unsigned and relative to the data section, so none can point back into the header;
            // comparing as unsigned keeps an offset of 2^63 or more from turning negative.
            if (offset > (ulong)length)
                throw new GgufFormatException(at, $"tensor '{name}' data offset {offset} lies past the end of the {length}-byte file");
            tensors.Add(new GgufTensorInfo(name, type, dims, (long)offset));
        }

        long dataStart = (_position + alignment - 1) / alignment * alignment;
        foreach (var t in tensors)
        {
            // Offset and size are each at most the file length here, so the sum cannot overflow a long.
            long end = dataStart + t.Offset + t.ByteSize;
            if (end > length)
                throw new GgufFormatException(dataStart + t.Offset,
                    $"tensor '{t.Name}' ({t.ByteSize} bytes) runs past the end of the file ({length} bytes); the file is truncated");
        }
        return (metadata, tensors, dataStart);
    }

    private const int MinKeyValueBytes = 8 + 4 + 1;
    private const int MinTensorInfoBytes = 8 + 4 + 8 + 4 + 8;

    /// <summary>Arrays of arrays deeper than this are refused: no real file nests at all, and recursion needs a bound.</summary>
    public const int MaxArrayNesting = 8;

    /// <summary>Strings longer than this are refused before decoding (a chat template is tens of kilobytes).</summary>
    public const int MaxStringBytes = 64 << 20;


    private GgufValueType ReadValueType()
    {
        long at = _position;
        uint code = ReadUInt32();
        if (code > (uint)GgufValueType.Float64) throw new GgufFormatException(at, $"unknown metadata value type {code}");
        return (GgufValueType)code;
    }

    private GgufValue ReadValue(GgufValueType type) => type switch
    {
        GgufValueType.UInt8 => new(type, Read<byte>()),
        GgufValueType.Int8 => new(type, Read<sbyte>()),
        GgufValueType.UInt16 => new(type, Read<ushort>()),
        GgufValueType.Int16 => new(type, Read<short>()),
        GgufValueType.UInt32 => new(type, Read<uint>()),
        GgufValueType.Int32 => new(type, Read<int>()),
        GgufValueType.Float32 => new(type, Read<float>()),
        GgufValueType.Bool => new(type, ReadBool()),
        GgufValueType.String => new(type, ReadString()),
        GgufValueType.UInt64 => new(type, Read<ulong>()),
        GgufValueType.Int64 => new(type, Read<long>()),
        GgufValueType.Float64 => new(type, Read<double>()),
        GgufValueType.Array => ReadArray(depth: 1),
        _ => throw new GgufFormatException(_position, $"unknown metadata value type {type}"),
    };

    private GgufValue ReadArray(int depth)
    {
        long at = _position;
        if (depth > MaxArrayNesting)
            throw new GgufFormatException(at, $"metadata arrays nested more than {MaxArrayNesting} deep");
        var elementType = ReadValueType();
        ulong count = ReadUInt64();
        long minElementBytes = elementType switch
        {
            GgufValueType.UInt8 or GgufValueType.Int8 or GgufValueType.Bool => 1,
            GgufValueType.UInt16 or GgufValueType.Int16 => 2,
            GgufValueType.UInt32 or GgufValueType.Int32 or GgufValueType.Float32 => 4,
            GgufValueType.Array => 4 + 8,
            _ => 8,
        };
        if (count > (ulong)((length - _position) / minElementBytes))
            throw new GgufFormatException(at, $"array of {count} {elementType} values cannot fit in the file");
        if (count > (ulong)Array.MaxLength)
            throw new GgufFormatException(at, $"array of {count} values is longer than .NET arrays can be");
        int n = (int)count;
        object values = elementType switch
        {
            GgufValueType.UInt8 => ReadMany<byte>(n),
            GgufValueType.Int8 => ReadMany<sbyte>(n),
            GgufValueType.UInt16 => ReadMany<ushort>(n),
            GgufValueType.Int16 => ReadMany<short>(n),
            GgufValueType.UInt32 => ReadMany<uint>(n),
            GgufValueType.Int32 => ReadMany<int>(n),
            GgufValueType.Float32 => ReadMany<float>(n),
            GgufValueType.UInt64 => ReadMany<ulong>(n),
            GgufValueType.Int64 => ReadMany<long>(n),
            GgufValueType.Float64 => ReadMany<double>(n),
            GgufValueType.Bool => ReadMany<byte>(n).Select(b => b != 0).ToArray(),
            GgufValueType.String => ReadStrings(n),
            _ => ReadNestedArrays(n, depth + 1),
        };
        return new GgufValue(GgufValueType.Array, values, elementType);
    }

    private string[] ReadStrings(int n)
    {
        var strings = new string[n];
        for (int i = 0; i < n; i++) strings[i] = ReadString();
        return strings;
    }

    private GgufValue[] ReadNestedArrays(int n, int depth)
    {
        var arrays = new GgufValue[n];
        for (int i = 0; i < n; i++) arrays[i] = ReadArray(depth);
        return arrays;
    }

    private T[] ReadMany<T>(int n) where T : unmanaged
    {
        Require((long)n * sizeof(T), $"{n} array values");
        var result = new ReadOnlySpan<T>(start + _position, n).ToArray();
        _position += (long)n * sizeof(T);
        return result;
    }

    private bool ReadBool()
    {
        long at = _position;
        byte b = Read<byte>();
        return b switch
        {
            0 => false,
            1 => true,
            _ => throw new GgufFormatException(at, $"bool value {b} is neither 0 nor 1"),
        };
    }

    private string ReadString()
    {
        long at = _position;
        ulong n = ReadUInt64();
        if (n > (ulong)(length - _position))
            throw new GgufFormatException(at, $"string length {n} runs past the end of the file");
        if (n > MaxStringBytes)
            throw new GgufFormatException(at, $"string of {n} bytes is longer than the {MaxStringBytes} this reader accepts");
        string s;
        try
        {
            s = new UTF8Encoding(false, true).GetString(start + _position, (int)n);
        }
        catch (DecoderFallbackException)
        {
            throw new GgufFormatException(at, "string is not valid UTF-8");
        }
        _position += (long)n;
        return s;
    }

    private uint ReadUInt32() => Read<uint>();

    private ulong ReadUInt64() => Read<ulong>();

    private T Read<T>() where T : unmanaged
    {
        Require(sizeof(T), typeof(T).Name);
        T value = System.Runtime.CompilerServices.Unsafe.ReadUnaligned<T>(start + _position);
        _position += sizeof(T);
        return value;
    }

    private readonly void Require(long bytes, string what)
    {
        if (bytes > length - _position)
            throw new GgufFormatException(_position, $"file ends while reading {what}; the file is truncated");
    }
}
