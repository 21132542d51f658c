using System.Text.Json;

namespace GroveMoE.Cpu.Conversion.SafeTensors;

/// <summary>
/// The weights of a Hugging Face checkpoint directory: the shards named by <c>model.safetensors.index.json</c>,
/// or a single <c>model.safetensors</c>, all mapped, with every tensor findable by name.
/// </summary>
public sealed class SafeTensorsCheckpoint : IDisposable
{
    /// <summary>The shard index of a sharded checkpoint.</summary>
    public const string IndexFileName = "model.safetensors.index.json";
    /// <summary>The weights of an unsharded checkpoint.</summary>
    public const string SingleFileName = "model.safetensors";

    private readonly List<SafeTensorsFile> _shards = [];
    private readonly Dictionary<string, SafeTensorsFile> _owner = new(StringComparer.Ordinal);

    private SafeTensorsCheckpoint(string directory) => Directory = directory;

    /// <summary>The checkpoint directory.</summary>
    public string Directory { get; }
    /// <summary>The mapped shards, owned by the checkpoint.</summary>
    public IReadOnlyList<SafeTensorsFile> Shards => _shards;
    /// <summary>Every tensor name across the shards.</summary>
    public IEnumerable<string> TensorNames => _owner.Keys;

    /// <summary>Total bytes of tensor data in all shards.</summary>
    public long DataBytes => _shards.Sum(s => s.Tensors.Sum(t => t.ByteLength));

    /// <summary>Maps the shards of <paramref name="directory"/>; throws <see cref="DirectoryNotFoundException"/>, <see cref="FileNotFoundException"/> when it holds no weights, and <see cref="SafeTensorsFormatException"/> for a corrupt index or shard.</summary>
    public static SafeTensorsCheckpoint Open(string directory)
    {
        if (!System.IO.Directory.Exists(directory)) throw new DirectoryNotFoundException($"no such directory: {directory}");
        var checkpoint = new SafeTensorsCheckpoint(directory);
        try
        {
            string index = Path.Combine(directory, IndexFileName);
            if (File.Exists(index)) checkpoint.OpenSharded(index);
            else checkpoint.OpenSingle(Path.Combine(directory, SingleFileName));
            return checkpoint;
        }
        catch
        {
            checkpoint.Dispose();
            throw;
        }
    }

    /// <summary>Whether some shard holds a tensor named <paramref name="name"/>.</summary>
    public bool Contains(string name) => _owner.ContainsKey(name);

    /// <summary>The shard holding <paramref name="name"/> and the tensor's header entry.</summary>
    public (SafeTensorsFile File, SafeTensorInfo Info) Tensor(string name) => _owner.TryGetValue(name, out var file)
        ? (file, file.Tensor(name))
        : throw new SafeTensorsFormatException($"checkpoint {Directory} has no tensor '{name}'");

    private void OpenSingle(string path)
    {
        if (!File.Exists(path))
            throw new FileNotFoundException($"{Directory} has neither {IndexFileName} nor {SingleFileName}", path);
        var file = SafeTensorsFile.Open(path);
        _shards.Add(file);
        foreach (var t in file.Tensors) _owner[t.Name] = file;
    }

    private void OpenSharded(string indexPath)
    {
        var weightMap = ReadWeightMap(indexPath);
        var byShard = new Dictionary<string, SafeTensorsFile>(StringComparer.Ordinal);
        foreach (var (tensor, shardName) in weightMap)
        {
            if (!byShard.TryGetValue(shardName, out var shard))
            {
                if (shardName.Length == 0 || shardName.IndexOfAny(['/', '\\', '\0']) >= 0 || shardName is "." or "..")
                    throw new SafeTensorsFormatException($"{IndexFileName}: shard name '{shardName}' is not a file in the checkpoint folder");
                string path = Path.Combine(Directory, shardName);
                if (!File.Exists(path))
                    throw new FileNotFoundException($"shard {shardName} listed in {IndexFileName} is missing", path);
                shard = SafeTensorsFile.Open(path);
                _shards.Add(shard);
                byShard[shardName] = shard;
            }
            if (!shard.Contains(tensor))
                throw new SafeTensorsFormatException($"{IndexFileName} places '{tensor}' in {shardName}, which does not hold it");
            _owner[tensor] = shard;
        }
    }

    /// <summary>An index is a few megabytes at most (GroveMoE-Inst's is 1.3 MB); a larger one is not read into memory.</summary>
    private const long MaxIndexBytes = 64 << 20;

    private static List<(string Tensor, string Shard)> ReadWeightMap(string indexPath)
    {
        byte[] bytes;
        using (var stream = new FileStream(indexPath, FileMode.Open, FileAccess.Read, FileShare.Read))
        {
            if (stream.Length > MaxIndexBytes)
                throw new SafeTensorsFormatException($"{IndexFileName} is {stream.Length} bytes, larger than an index can be ({MaxIndexBytes})");
            bytes = new byte[stream.Length];
            stream.ReadExactly(bytes);
        }
        using var doc = SafeTensorsJson.ParseObject(bytes, IndexFileName, 0, "the index");
        if (!SafeTensorsJson.TryGetProperty(doc.RootElement, "weight_map", IndexFileName, "the index", out var map) || map.ValueKind != JsonValueKind.Object)
            throw new SafeTensorsFormatException($"{IndexFileName} has no weight_map object");
        return SafeTensorsJson.Properties(map, IndexFileName, "weight_map")
            .Select(p => p.Value.ValueKind == JsonValueKind.String
                ? (p.Name, SafeTensorsJson.String(p.Value, IndexFileName, $"the shard of '{p.Name}'"))
                : throw new SafeTensorsFormatException($"{IndexFileName}: weight_map entry '{p.Name}' is not a file name"))
            .ToList();
    }

    /// <summary>Unmaps every shard.</summary>
    public void Dispose()
    {
        foreach (var shard in _shards) shard.Dispose();
    }
}
