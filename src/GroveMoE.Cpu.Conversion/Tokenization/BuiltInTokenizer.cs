using System.IO.Compression;
using GroveMoE.Cpu.Conversion.HuggingFace;
using GroveMoE.Cpu.Gguf;

namespace GroveMoE.Cpu.Conversion.Tokenization;

/// <summary>
/// The real Qwen3 tokenizer (<c>tokenizer.json</c> and <c>tokenizer_config.json</c>, as GroveMoE ships them), carried
/// inside the library so that synthetic and demo models tokenize text like the real model.
/// </summary>
public static class BuiltInTokenizer
{
    /// <summary>The embedding rows of Qwen3 and GroveMoE: 151,669 tokenizer ids padded to a multiple of 128.</summary>
    public const int Qwen3VocabSize = 151936;

    /// <summary>What Qwen3's <c>config.json</c> says about special ids (llama.cpp reads the BOS id from it).</summary>
    public const string Qwen3ModelConfigJson = """{"bos_token_id": 151643, "eos_token_id": 151645}""";

    private static readonly Lazy<string> TokenizerJsonText = new(() => ReadResource("qwen3-tokenizer.json.gz"));
    private static readonly Lazy<string> TokenizerConfigJsonText = new(() => ReadResource("qwen3-tokenizer_config.json.gz"));

    /// <summary>Qwen3's <c>tokenizer.json</c>.</summary>
    public static string Qwen3TokenizerJson => TokenizerJsonText.Value;

    /// <summary>Qwen3's <c>tokenizer_config.json</c> (special tokens and the chat template).</summary>
    public static string Qwen3TokenizerConfigJson => TokenizerConfigJsonText.Value;

    /// <summary>The <c>tokenizer.*</c> GGUF keys of Qwen3, padded to <paramref name="vocabSize"/> tokens.</summary>
    public static GgufMetadata Qwen3Metadata(int vocabSize = Qwen3VocabSize) =>
        HfTokenizerConverter.ToGgufMetadata(Qwen3TokenizerJson, Qwen3TokenizerConfigJson, vocabSize, Qwen3ModelConfigJson);

    private static string ReadResource(string name)
    {
        using var stream = typeof(BuiltInTokenizer).Assembly.GetManifestResourceStream(name)
            ?? throw new InvalidOperationException($"embedded resource '{name}' is missing from the library");
        using var gzip = new GZipStream(stream, CompressionMode.Decompress);
        using var reader = new StreamReader(gzip);
        return reader.ReadToEnd();
    }
}
