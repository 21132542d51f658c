using System.Text.RegularExpressions;

namespace GroveMoE.Cpu.Gguf;

/// <summary>
/// Split models as llama.cpp's gguf-split writes them: <c>NAME-00001-of-0000N.gguf</c> … each a GGUF with
/// <c>split.no</c> (0-based), <c>split.count</c> and its own tensors; the first also holds the model's metadata and
/// <c>split.tensors.count</c>. Opening the first part maps them all and serves their tensors as one file.
/// </summary>
public sealed partial class GgufFile
{
    private const int MaxParts = 9999;
    private GgufFile[] _parts = [];

    /// <summary>The paths of every part, this file first (one path for a model in one file).</summary>
    public IReadOnlyList<string> PartPaths => [Path, .. _parts.Select(p => p.Path)];

    private void AttachSplitParts()
    {
        if (!Metadata.Contains(GgufSplitKeys.Count)) return;
        int count = Metadata.GetInt(GgufSplitKeys.Count), number = Metadata.GetIntOrDefault(GgufSplitKeys.Number, 0);
        if (count is < 1 or > MaxParts) throw new GgufFormatException($"{GgufSplitKeys.Count} = {count} is out of range (1..{MaxParts})");
        if (count == 1) return;
        if (number != 0)
            throw new GgufFormatException($"{Path} is part {number + 1} of {count} of a split model: open its first part (-00001-of-{count:D5}.gguf)");
        var name = SplitName().Match(Path);
        if (!name.Success || int.Parse(name.Groups["count"].Value) != count)
            throw new GgufFormatException($"{Path} is the first of {count} parts of a split model, but its name does not end in -00001-of-{count:D5}.gguf, so the others cannot be found");

        var parts = new List<GgufFile>(count - 1);
        var infos = new List<GgufTensorInfo>(TensorInfos);
        long size = FileSize;
        try
        {
            for (int i = 2; i <= count; i++)
            {
                string path = $"{name.Groups["stem"].Value}-{i:D5}-of-{count:D5}.gguf";
                if (!File.Exists(path)) throw new FileNotFoundException($"part {i} of {count} of the split model is missing: {path}", path);
                var part = OpenOne(path);
                parts.Add(part);
                int partCount = part.Metadata.GetIntOrDefault(GgufSplitKeys.Count, -1), partNumber = part.Metadata.GetIntOrDefault(GgufSplitKeys.Number, -1);
                if (partCount != count || partNumber != i - 1)
                    throw new GgufFormatException($"{path} says it is part {partNumber + 1} of {partCount}, expected part {i} of {count}");
                foreach (var (tensorName, tensor) in part._tensors)
                {
                    if (!_tensors.TryAdd(tensorName, tensor)) throw new GgufFormatException($"{path}: tensor '{tensorName}' is also in an earlier part");
                }
                infos.AddRange(part.TensorInfos);
                size += part.FileSize;
            }
            if (Metadata.Contains(GgufSplitKeys.TensorsCount) && Metadata.GetInt(GgufSplitKeys.TensorsCount) != infos.Count)
                throw new GgufFormatException($"{GgufSplitKeys.TensorsCount} = {Metadata.GetInt(GgufSplitKeys.TensorsCount)}, but the {count} parts hold {infos.Count} tensors");
        }
        catch
        {
            foreach (var part in parts) part.Dispose();
            throw;
        }
        _parts = [.. parts];
        TensorInfos = infos;
        FileSize = size;
    }

    [GeneratedRegex(@"^(?<stem>.+)-00001-of-(?<count>\d{5})\.gguf$", RegexOptions.IgnoreCase)]
    private static partial Regex SplitName();
}

/// <summary>The metadata keys of gguf-split.</summary>
public static class GgufSplitKeys
{
    /// <summary>The 0-based index of this part.</summary>
    public const string Number = "split.no";
    /// <summary>How many parts the model has.</summary>
    public const string Count = "split.count";
    /// <summary>Tensors of all parts together.</summary>
    public const string TensorsCount = "split.tensors.count";
}
