using System.Text.RegularExpressions;

namespace GroveMoE.Cpu.Hub;

/// <summary>
/// The files that make one model in a repository: a single GGUF, or every part of a split one
/// (<c>NAME-00001-of-00003.gguf</c> …), and the quantization its name carries.
/// </summary>
internal sealed partial record ModelFileSet(string Quant, IReadOnlyList<RepoFile> Parts)
{
    public RepoFile First => Parts[0];

    public long Size => Parts.Sum(p => p.Size);

    /// <summary>The model GGUFs among <paramref name="files"/> (mmproj and imatrix files skipped; split parts grouped, incomplete groups dropped), in path order.</summary>
    public static IReadOnlyList<ModelFileSet> Group(IEnumerable<RepoFile> files)
    {
        var singles = new List<ModelFileSet>();
        var splits = new Dictionary<string, List<(int Number, int Count, RepoFile File)>>(StringComparer.Ordinal);
        foreach (var file in files)
        {
            if (!file.Path.EndsWith(".gguf", StringComparison.OrdinalIgnoreCase)) continue;
            string name = System.IO.Path.GetFileName(file.Path);
            if (name.Contains("mmproj", StringComparison.OrdinalIgnoreCase) || name.Contains("imatrix", StringComparison.OrdinalIgnoreCase)) continue;
            var split = SplitName().Match(file.Path);
            if (split.Success)
            {
                string key = split.Groups["stem"].Value;
                if (!splits.TryGetValue(key, out var parts)) splits[key] = parts = [];
                parts.Add((int.Parse(split.Groups["no"].Value), int.Parse(split.Groups["count"].Value), file));
            }
            else
            {
                singles.Add(new ModelFileSet(QuantOf(file.Path), [file]));
            }
        }
        foreach (var (stem, parts) in splits)
        {
            int count = parts[0].Count;
            var ordered = parts.OrderBy(p => p.Number).ToList();
            bool complete = count > 0 && ordered.Count == count && ordered.Select((p, i) => p.Number == i + 1 && p.Count == count).All(ok => ok);
            if (complete) singles.Add(new ModelFileSet(QuantOf(stem + ".gguf"), ordered.Select(p => p.File).ToList()));
        }
        return singles.OrderBy(s => s.First.Path, StringComparer.Ordinal).ToList();
    }

    /// <summary>
    /// The set for <paramref name="quant"/>: a file whose name holds it as a whole word (case-insensitive), else
    /// one whose name merely contains it. With no quant: Q4_K_M, else Q8_0, else the first model GGUF.
    /// </summary>
    public static ModelFileSet Choose(IReadOnlyList<ModelFileSet> sets, string? quant, string repoId)
    {
        if (sets.Count == 0) throw new HubQuantNotFoundException($"{repoId} has no GGUF model files", []);
        if (quant is null) return Find(sets, "Q4_K_M") ?? Find(sets, "Q8_0") ?? sets[0];
        return Find(sets, quant) ?? throw new HubQuantNotFoundException(
            $"{repoId} has no GGUF for '{quant}'; it has: {string.Join(", ", Quants(sets))}", Quants(sets));
    }

    public static IReadOnlyList<string> Quants(IReadOnlyList<ModelFileSet> sets) =>
        sets.Select(s => s.Quant).Distinct(StringComparer.OrdinalIgnoreCase).ToList();

    private static ModelFileSet? Find(IReadOnlyList<ModelFileSet> sets, string quant)
    {
        var word = new Regex($"(?<![A-Za-z0-9]){Regex.Escape(quant)}(?![A-Za-z0-9_])", RegexOptions.IgnoreCase | RegexOptions.CultureInvariant);
        return sets.FirstOrDefault(s => string.Equals(s.Quant, quant, StringComparison.OrdinalIgnoreCase))
            ?? sets.FirstOrDefault(s => word.IsMatch(s.First.Path))
            ?? sets.FirstOrDefault(s => s.First.Path.Contains(quant, StringComparison.OrdinalIgnoreCase));
    }

    /// <summary>The quantization a file name carries (<c>Model-Q4_K_M.gguf</c> → Q4_K_M), else the name without extension.</summary>
    public static string QuantOf(string path)
    {
        string name = System.IO.Path.GetFileNameWithoutExtension(path);
        var matches = QuantName().Matches(name);
        return matches.Count > 0 ? matches[^1].Value.ToUpperInvariant() : name;
    }

    [GeneratedRegex(@"^(?<stem>.+)-(?<no>\d{5})-of-(?<count>\d{5})\.gguf$", RegexOptions.IgnoreCase)]
    private static partial Regex SplitName();

    [GeneratedRegex(@"(?<![A-Za-z0-9])(UD-)?(I?Q[1-8](_[A-Z0-9]+)*|TQ[12]_0|MXFP4(_MOE)?|BF16|F16|F32|FP16|FP32)(?![A-Za-z0-9])", RegexOptions.IgnoreCase)]
    private static partial Regex QuantName();
}
