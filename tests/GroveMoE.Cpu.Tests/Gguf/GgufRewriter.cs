using GroveMoE.Cpu.Gguf;
using GroveMoE.Cpu.Conversion.Gguf;

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
}
