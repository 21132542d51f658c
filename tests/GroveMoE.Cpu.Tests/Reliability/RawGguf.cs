using System.Text;
using GroveMoE.Cpu.Gguf;

namespace GroveMoE.Cpu.Tests.Reliability;

/// <summary>
/// Writes GGUF bytes field by field with no checks at all, so tests can build files the writer would refuse:
/// duplicate keys, offsets of 2^63, arrays nested thousands deep.
/// </summary>
public sealed class RawGguf
{
    private readonly MemoryStream _kv = new(), _tensors = new();
    private int _kvCount, _tensorCount;

    public RawGguf Key(string key, GgufValueType type, Action<BinaryWriter> value)
    {
        var w = new BinaryWriter(_kv);
        String(w, key);
        w.Write((uint)type);
        value(w);
        _kvCount++;
        return this;
    }

    public RawGguf Key(string key, uint value) => Key(key, GgufValueType.UInt32, w => w.Write(value));

    public RawGguf Key(string key, string value) => Key(key, GgufValueType.String, w => String(w, value));

    public RawGguf Tensor(string name, uint type, ulong offset, params ulong[] dims)
    {
        var w = new BinaryWriter(_tensors);
        String(w, name);
        w.Write((uint)dims.Length);
        foreach (ulong d in dims) w.Write(d);
        w.Write(type);
        w.Write(offset);
        _tensorCount++;
        return this;
    }

    /// <summary>The file: header, metadata, tensor infos, padding to 32 and <paramref name="dataBytes"/> of zeros.</summary>
    public byte[] Build(int dataBytes = 64)
    {
        var file = new MemoryStream();
        var w = new BinaryWriter(file);
        w.Write(0x46554747u);
        w.Write(3u);
        w.Write((ulong)_tensorCount);
        w.Write((ulong)_kvCount);
        w.Write(_kv.ToArray());
        w.Write(_tensors.ToArray());
        while (file.Length % 32 != 0) w.Write((byte)0);
        w.Write(new byte[dataBytes]);
        return file.ToArray();
    }

    public static void String(BinaryWriter w, string s)
    {
        var bytes = Encoding.UTF8.GetBytes(s);
        w.Write((ulong)bytes.Length);
        w.Write(bytes);
    }
}
