using System.Globalization;

namespace GroveMoE.Cpu.Gguf;

/// <summary>The key/value metadata of a GGUF file, in file order, with typed getters.</summary>
public sealed class GgufMetadata
{
    private readonly Dictionary<string, GgufValue> _values = new(StringComparer.Ordinal);
    private readonly List<string> _order = [];

    public IReadOnlyList<string> Keys => _order;
    public int Count => _order.Count;

    public void Set(string key, GgufValue value)
    {
        if (!_values.ContainsKey(key)) _order.Add(key);
        _values[key] = value;
    }

    public bool Remove(string key) => _values.Remove(key) && _order.Remove(key);

    public bool Contains(string key) => _values.ContainsKey(key);

    public GgufValue this[string key] => _values.TryGetValue(key, out var v)
        ? v
        : throw new GgufMissingKeyException(key);

    public bool TryGet(string key, out GgufValue value) => _values.TryGetValue(key, out value!);

    public string GetString(string key) => this[key].Value as string
        ?? throw new GgufFormatException($"metadata key '{key}' is {this[key].Type}, expected a string");

    public string? GetStringOrNull(string key) => TryGet(key, out var v) ? v.Value as string : null;

    /// <summary>Any integer metadata value, range-checked into an int.</summary>
    public int GetInt(string key)
    {
        var value = this[key];
        try
        {
            return value.Value switch
            {
                byte or sbyte or ushort or short or uint or int or ulong or long =>
                    checked((int)Convert.ToInt64(value.Value, CultureInfo.InvariantCulture)),
                _ => throw new GgufFormatException($"metadata key '{key}' is {value.Type}, expected an integer"),
            };
        }
        catch (OverflowException)
        {
            throw new GgufFormatException($"metadata key '{key}' = {value.Value} is out of range");
        }
    }

    public int GetIntOrDefault(string key, int fallback) => Contains(key) ? GetInt(key) : fallback;

    public float GetFloat(string key)
    {
        var value = this[key];
        return value.Value switch
        {
            float f => f,
            double d => (float)d,
            byte or sbyte or ushort or short or uint or int or ulong or long =>
                Convert.ToSingle(value.Value, CultureInfo.InvariantCulture),
            _ => throw new GgufFormatException($"metadata key '{key}' is {value.Type}, expected a number"),
        };
    }

    public float GetFloatOrDefault(string key, float fallback) => Contains(key) ? GetFloat(key) : fallback;

    public T[] GetArray<T>(string key) => this[key].Value as T[]
        ?? throw new GgufFormatException($"metadata key '{key}' is not an array of {typeof(T).Name}");
}

/// <summary>A metadata key that a model needs is absent from the file.</summary>
public sealed class GgufMissingKeyException(string key)
    : Exception($"missing metadata key '{key}'")
{
    public string Key { get; } = key;
}
