using System.Buffers.Binary;
using System.Text;
using GroveMoE.Cpu.Conversion.Gguf;
using GroveMoE.Cpu.Gguf;
using GroveMoE.Cpu.Quantization;

namespace GroveMoE.Cpu.Tests.Gguf;

/// <summary>Copies a GGUF file with edited metadata or tensors left out, to build files a loader must reject.</summary>
public static class GgufRewriter
{
    public static void Rewrite(string source, string destination, Action<GgufMetadata>? editMetadata = null,
        Func<string, bool>? keepTensor = null)
    {
        using var file = GgufFile.Open(source);
        var metadata = new GgufMetadata();
        foreach (var key in file.Metadata.Keys) metadata.Set(key, file.Metadata[key]);
        editMetadata?.Invoke(metadata);
        var kept = file.TensorInfos.Where(t => keepTensor?.Invoke(t.Name) ?? true).ToList();
        using var writer = new GgufWriter(new FileStream(destination, FileMode.Create), metadata,
            kept.Select(t => (t.Name, t.Type, t.Dimensions)));
        foreach (var t in kept) writer.WriteTensorData(file.Tensor(t.Name).Bytes);
        writer.Finish();
    }

    /// <summary>
    /// Overwrites the type code of tensor <paramref name="name"/> in the header of <paramref name="path"/>, leaving its
    /// shape and data as they are: a file no writer would produce, such as a K-quant tensor with 64-value rows.
    /// </summary>
    public static void PatchTensorType(string path, string name, GgmlType type)
    {
        var bytes = File.ReadAllBytes(path);
        var key = new byte[8 + Encoding.UTF8.GetByteCount(name)];
        BinaryPrimitives.WriteUInt64LittleEndian(key, (ulong)(key.Length - 8));
        Encoding.UTF8.GetBytes(name, key.AsSpan(8));
        int at = bytes.AsSpan().IndexOf(key);
        if (at < 0) throw new ArgumentException($"no tensor '{name}' in {path}");
        at += key.Length;
        int dims = (int)BinaryPrimitives.ReadUInt32LittleEndian(bytes.AsSpan(at));
        BinaryPrimitives.WriteUInt32LittleEndian(bytes.AsSpan(at + 4 + 8 * dims), (uint)type);
        File.WriteAllBytes(path, bytes);
    }
}
