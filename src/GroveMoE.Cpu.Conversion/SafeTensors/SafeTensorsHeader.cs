using System.Buffers.Binary;
using System.Text.Json;

namespace GroveMoE.Cpu.Conversion.SafeTensors;

/// <summary>
/// Parses and checks a safetensors header: an 8-byte little-endian length, then that many bytes of JSON mapping
/// names to dtype, shape and data offsets. A header that lies (offsets past the data, overlapping tensors,
/// a byte length that is not shape x dtype size) fails here, before any tensor is read.
/// </summary>
public static class SafeTensorsHeader
{
    /// <summary>The format's own cap on header size, which also bounds what a corrupt length can make us read.</summary>
    public const long MaxHeaderBytes = 100_000_000;

    /// <summary>More dimensions than any checkpoint uses; also what bounds a shape array's allocation.</summary>
    private const int MaxDimensions = 8;

    /// <summary>Reads the header length from the first 8 bytes and checks it against the file length.</summary>
    public static long ReadLength(ReadOnlySpan<byte> first8, long fileLength, string file)
    {
        if (fileLength < 8) throw new SafeTensorsFormatException($"{file}: {fileLength} bytes, too short for a safetensors header");
        ulong n = BinaryPrimitives.ReadUInt64LittleEndian(first8);
        if (n > MaxHeaderBytes || (long)n > fileLength - 8)
            throw new SafeTensorsFormatException($"{file}: header length {n} does not fit in the {fileLength}-byte file");
        return (long)n;
    }

    /// <summary>Parses the JSON header; <paramref name="dataLength"/> is the number of bytes after it.</summary>
    public static (List<SafeTensorInfo> Tensors, Dictionary<string, string> Metadata) Parse(
        ReadOnlySpan<byte> json, long dataLength, string file)
    {
        using var doc = SafeTensorsJson.ParseObject(json.ToArray(), file, 8, "header");
        var tensors = new List<SafeTensorInfo>();
        var metadata = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var (name, value) in SafeTensorsJson.Properties(doc.RootElement, file, "the header"))
        {
            if (name == "__metadata__")
            {
                if (value.ValueKind == JsonValueKind.Object)
                {
                    foreach (var (key, m) in SafeTensorsJson.Properties(value, file, "__metadata__"))
                        metadata[key] = m.ValueKind == JsonValueKind.String ? SafeTensorsJson.String(m, file, $"__metadata__ '{key}'") : m.GetRawText();
                }
                continue;
            }
            tensors.Add(ParseTensor(name, value, dataLength, file));
        }
        CheckNoOverlap(tensors, file);
        return (tensors, metadata);
    }

    private static SafeTensorInfo ParseTensor(string name, JsonElement value, long dataLength, string file)
    {
        string where = $"{file}: tensor '{name}'";
        if (value.ValueKind != JsonValueKind.Object)
            throw new SafeTensorsFormatException($"{where} is not a JSON object");
        if (!SafeTensorsJson.TryGetProperty(value, "dtype", file, $"tensor '{name}'", out var dtypeText) || dtypeText.ValueKind != JsonValueKind.String)
            throw new SafeTensorsFormatException($"{where} has no dtype");
        string dtypeName = SafeTensorsJson.String(dtypeText, file, $"the dtype of '{name}'");
        if (!SafeTensorsDTypes.TryParse(dtypeName, out var dtype))
            throw new SafeTensorsFormatException($"{where} has unknown dtype '{dtypeName}'");
        long[] shape = ReadIntegers(value, "shape", file, where);
        long[] offsets = ReadIntegers(value, "data_offsets", file, where);
        if (offsets.Length != 2) throw new SafeTensorsFormatException($"{where}: data_offsets must hold two numbers");
        long begin = offsets[0], end = offsets[1];
        if (begin > end || end > dataLength)
            throw new SafeTensorsFormatException(
                $"{where}: data_offsets [{begin}, {end}] lie outside the {dataLength} bytes of tensor data");
        long elements = 1;
        try
        {
            foreach (long d in shape) elements = checked(elements * d);
            long expected = checked(elements * SafeTensorsDTypes.ElementBytes(dtype));
            if (expected != end - begin)
                throw new SafeTensorsFormatException(
                    $"{where}: shape [{string.Join(", ", shape)}] of {dtype} needs {expected} bytes but data_offsets span {end - begin}");
        }
        catch (OverflowException)
        {
            throw new SafeTensorsFormatException($"{where}: shape [{string.Join(", ", shape)}] is too large");
        }
        return new SafeTensorInfo(name, dtype, shape, begin, end);
    }

    private static long[] ReadIntegers(JsonElement value, string property, string file, string where)
    {
        if (!SafeTensorsJson.TryGetProperty(value, property, file, where, out var array) || array.ValueKind != JsonValueKind.Array)
            throw new SafeTensorsFormatException($"{where} has no {property} array");
        int length = array.GetArrayLength();
        if (length > MaxDimensions)
            throw new SafeTensorsFormatException($"{where}: {property} has {length} entries, more than {MaxDimensions}");
        var result = new long[length];
        int i = 0;
        foreach (var item in array.EnumerateArray())
        {
            if (item.ValueKind != JsonValueKind.Number || !item.TryGetInt64(out long n) || n < 0)
                throw new SafeTensorsFormatException($"{where}: {property} holds '{item.GetRawText()}', not a non-negative integer");
            result[i++] = n;
        }
        return result;
    }

    private static void CheckNoOverlap(List<SafeTensorInfo> tensors, string file)
    {
        var byStart = tensors.Where(t => t.ByteLength > 0).OrderBy(t => t.Begin).ToList();
        for (int i = 1; i < byStart.Count; i++)
        {
            if (byStart[i].Begin < byStart[i - 1].End)
                throw new SafeTensorsFormatException(
                    $"{file}: tensors '{byStart[i - 1].Name}' and '{byStart[i].Name}' overlap in the data section");
        }
    }
}
