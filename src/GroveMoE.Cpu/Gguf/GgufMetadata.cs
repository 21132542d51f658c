using System.Globalization;

namespace GroveMoE.Cpu.Gguf;

/// <summary>The key/value metadata of a GGUF file, in file order, with typed getters.</summary>
public sealed class GgufMetadata
{
    private readonly Dictionary<string, GgufValue> _values = new(StringComparer.Ordinal);
    private readonly List<string> _order = [];

    /// <summary>The keys in file (or insertion) order.</summary>
    public IReadOnlyList<string> Keys => _order;
    /// <summary>Number of keys.</summary>
    public int Count => _order.Count;

    /// <summary>Adds <paramref name="key"/>, or replaces its value keeping its place.</summary>
    public void Set(string key, GgufValue value)
    {
        if (!_values.ContainsKey(key)) _order.Add(key);
        _values[key] = value;
    }

    /// <summary>Removes <paramref name="key"/>; false when it was absent.</summary>
    public bool Remove(string key) => _values.Remove(key) && _order.Remove(key);

    /// <summary>Whether <paramref name="key"/> is present.</summary>
    public bool Contains(string key) => _values.ContainsKey(key);

    /// <summary>The value of <paramref name="key"/>; throws <see cref="GgufMissingKeyException"/> when absent.</summary>
    public GgufValue this[string key] => _values.TryGetValue(key, out var v)
        ? v
        : throw new GgufMissingKeyException(key);

    /// <summary>The value of <paramref name="key"/>, if present.</summary>
    public bool TryGet(string key, out GgufValue value) => _values.TryGetValue(key, out value!);

    /// <summary>A string value; throws <see cref="GgufFormatException"/> when it is another type, <see cref="GgufMissingKeyException"/> when absent.</summary>
    public string GetString(string key) => this[key].Value as string
        ?? throw new GgufFormatException($"metadata key '{key}' is {this[key].Type}, expected a string");

    /// <summary>A string value, or null when absent or of another type.</summary>
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

    /// <summary><see cref="GetInt"/>, or <paramref name="fallback"/> when the key is absent.</summary>
    public int GetIntOrDefault(string key, int fallback) => Contains(key) ? GetInt(key) : fallback;

    /// <summary>Any numeric value as a float; throws <see cref="GgufFormatException"/> for other types.</summary>
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

    /// <summary><see cref="GetFloat"/>, or <paramref name="fallback"/> when the key is absent.</summary>
    public float GetFloatOrDefault(string key, float fallback) => Contains(key) ? GetFloat(key) : fallback;

    /// <summary>An array value of element type <typeparamref name="T"/>; throws <see cref="GgufFormatException"/> otherwise.</summary>
    public T[] GetArray<T>(string key) => this[key].Value as T[]
        ?? throw new GgufFormatException($"metadata key '{key}' is not an array of {typeof(T).Name}");
}

/// <summary>A metadata key that a model needs is absent from the file.</summary>
public sealed class GgufMissingKeyException(string key)
    : Exception($"missing metadata key '{key}'")
{
    /// <summary>The key that is missing.</summary>
    public string Key { get; } = key;
}
