using System.Diagnostics.CodeAnalysis;
using System.Text.RegularExpressions;

namespace GroveMoE.Cpu.Hub;

/// <summary>
/// A model on the Hugging Face Hub as users type it: <c>OWNER/REPO[:QUANT]</c>, optionally prefixed with
/// <c>hf.co/</c>, <c>huggingface.co/</c> or <c>https://huggingface.co/</c> (as ollama and llama.cpp's <c>-hf</c> accept).
/// </summary>
public sealed partial record ModelReference(string Owner, string Repository, string? Quant)
{
    /// <summary><c>OWNER/REPO</c>, the Hub's repository id.</summary>
    public string RepoId => $"{Owner}/{Repository}";

    /// <summary><c>OWNER/REPO</c>, with <c>:QUANT</c> when one was given.</summary>
    public override string ToString() => Quant is null ? RepoId : $"{RepoId}:{Quant}";

    /// <summary>The quantization a GGUF file's name carries (<c>Model-Q4_K_M.gguf</c> → Q4_K_M), else the name without extension.</summary>
    public static string QuantOfFileName(string path) => ModelFileSet.QuantOf(path);

    /// <summary>Parses <c>[hf.co/]OWNER/REPO[:QUANT]</c>; throws <see cref="FormatException"/> naming what is wrong.</summary>
    public static ModelReference Parse(string text) =>
        TryParse(text, requirePrefix: false, out var reference)
            ? reference
            : throw new FormatException($"'{text}' is not a Hub model: expected OWNER/REPO[:QUANT] or hf.co/OWNER/REPO[:QUANT]");

    /// <summary>
    /// True when <paramref name="text"/> names a Hub model. With <paramref name="requirePrefix"/> only the
    /// <c>hf.co/</c> forms count, so that a relative path such as <c>models/x.gguf</c> stays a path.
    /// </summary>
    public static bool TryParse(string text, bool requirePrefix, [NotNullWhen(true)] out ModelReference? reference)
    {
        reference = null;
        string rest = text.Trim();
        bool prefixed = false;
        foreach (var prefix in Prefixes)
        {
            if (rest.StartsWith(prefix, StringComparison.OrdinalIgnoreCase))
            {
                rest = rest[prefix.Length..];
                prefixed = true;
                break;
            }
        }
        if (requirePrefix && !prefixed) return false;
        var match = Shape().Match(rest);
        if (!match.Success) return false;
        string owner = match.Groups["owner"].Value, repo = match.Groups["repo"].Value;
        if (owner is "." or ".." || repo is "." or "..") return false;
        string? quant = match.Groups["quant"].Success ? match.Groups["quant"].Value : null;
        // "latest" is what ollama shows for an untagged model; it means the default choice.
        if (string.Equals(quant, "latest", StringComparison.OrdinalIgnoreCase)) quant = null;
        reference = new ModelReference(owner, repo, quant);
        return true;
    }

    private static readonly string[] Prefixes = ["https://hf.co/", "http://hf.co/", "https://huggingface.co/", "http://huggingface.co/", "hf.co/", "huggingface.co/"];

    [GeneratedRegex(@"^(?<owner>[A-Za-z0-9][A-Za-z0-9._-]*)/(?<repo>[A-Za-z0-9][A-Za-z0-9._-]*)(?::(?<quant>[A-Za-z0-9._-]+))?$")]
    private static partial Regex Shape();
}
