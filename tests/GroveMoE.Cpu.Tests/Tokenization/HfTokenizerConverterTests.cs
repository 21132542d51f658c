using System.Text.Json;
using GroveMoE.Cpu.Gguf;
using GroveMoE.Cpu.Model;
using GroveMoE.Cpu.Tokenization;
using GroveMoE.Cpu.Conversion.HuggingFace;
using GroveMoE.Cpu.Conversion.Tokenization;

namespace GroveMoE.Cpu.Tests.Tokenization;

public sealed class HfTokenizerConverterTests
{
    private static readonly Lazy<GgufMetadata> Qwen3 = new(() => BuiltInTokenizer.Qwen3Metadata());

    [Fact]
    public void Qwen3KeysMatchWhatLlamaCppWrites()
    {
        var m = Qwen3.Value;
        Assert.Equal(
            ["tokenizer.ggml.model", "tokenizer.ggml.pre", "tokenizer.ggml.tokens", "tokenizer.ggml.token_type",
             "tokenizer.ggml.merges", "tokenizer.ggml.eos_token_id", "tokenizer.ggml.padding_token_id",
             "tokenizer.ggml.bos_token_id", "tokenizer.ggml.add_bos_token", "tokenizer.chat_template"],
            m.Keys);
        Assert.Equal("gpt2", m.GetString("tokenizer.ggml.model"));
        Assert.Equal("qwen2", m.GetString("tokenizer.ggml.pre"));
        Assert.Equal(151645, m.GetInt("tokenizer.ggml.eos_token_id"));
        Assert.Equal(151643, m.GetInt("tokenizer.ggml.padding_token_id"));
        Assert.Equal(151643, m.GetInt("tokenizer.ggml.bos_token_id"));
        Assert.False((bool)m["tokenizer.ggml.add_bos_token"].Value);
        Assert.Contains("<|im_start|>", m.GetString("tokenizer.chat_template"));
    }

    [Fact]
    public void Qwen3TokensAndTypesFollowTheJsonFiles()
    {
        var m = Qwen3.Value;
        var tokens = m.GetArray<string>("tokenizer.ggml.tokens");
        var types = m.GetArray<int>("tokenizer.ggml.token_type");
        Assert.Equal(BuiltInTokenizer.Qwen3VocabSize, tokens.Length);
        Assert.Equal(tokens.Length, types.Length);

        using var json = JsonDocument.Parse(BuiltInTokenizer.Qwen3TokenizerJson);
        var vocab = json.RootElement.GetProperty("model").GetProperty("vocab");
        int normal = 0;
        foreach (var entry in vocab.EnumerateObject())
        {
            int id = entry.Value.GetInt32();
            Assert.Equal(entry.Name, tokens[id]);
            Assert.Equal((int)TokenType.Normal, types[id]);
            normal++;
        }
        Assert.Equal(151643, normal);

        // Special added tokens and "<|...|>" ones are control; <think>, <tool_call> and the like user-defined.
        foreach (var added in json.RootElement.GetProperty("added_tokens").EnumerateArray())
        {
            int id = added.GetProperty("id").GetInt32();
            string content = added.GetProperty("content").GetString()!;
            Assert.Equal(content, tokens[id]);
            var expected = content.StartsWith("<|") ? TokenType.Control : TokenType.UserDefined;
            Assert.Equal((int)expected, types[id]);
        }
        Assert.Equal((int)TokenType.UserDefined, types[151667]);
        Assert.Equal("<think>", tokens[151667]);
        Assert.Equal((int)TokenType.Control, types[151659]); // <|fim_prefix|> is not marked special but looks it

        for (int id = 151669; id < tokens.Length; id++)
        {
            Assert.Equal($"[PAD{id}]", tokens[id]);
            Assert.Equal((int)TokenType.Unused, types[id]);
        }
    }

    [Fact]
    public void MergesAreSpaceJoinedPairs()
    {
        var merges = Qwen3.Value.GetArray<string>("tokenizer.ggml.merges");
        using var json = JsonDocument.Parse(BuiltInTokenizer.Qwen3TokenizerJson);
        var expected = json.RootElement.GetProperty("model").GetProperty("merges");
        Assert.Equal(expected.GetArrayLength(), merges.Length);
        int i = 0;
        foreach (var pair in expected.EnumerateArray())
            Assert.Equal($"{pair[0].GetString()} {pair[1].GetString()}", merges[i++]);
        Assert.Equal("Ġ Ġ", merges[0]);
    }

    [Fact]
    public void PartsWithSpacesAreWrittenWithU0120()
    {
        const string json = """
        {"model": {"type": "BPE", "vocab": {"a": 0, "b c": 1}, "merges": [["a", "b c"]]},
         "pre_tokenizer": {"type": "Sequence", "pretokenizers": [{"type": "Split", "pattern": {"Regex": "PATTERN"}}]}}
        """;
        var m = HfTokenizerConverter.ToGgufMetadata(json.Replace("PATTERN", JsonEncodedText.Encode(HfTokenizerConverter.Qwen2SplitPattern).ToString()), null, vocabSize: 3);
        Assert.Equal(["a b\u0120c"], m.GetArray<string>("tokenizer.ggml.merges"));
        Assert.Equal(["a", "b c", "[PAD2]"], m.GetArray<string>("tokenizer.ggml.tokens"));
        Assert.Equal([1, 1, 5], m.GetArray<int>("tokenizer.ggml.token_type"));
    }

    [Fact]
    public void OtherPreTokenizersAndModelsAreRefused()
    {
        Assert.Throws<ModelFormatException>(() => HfTokenizerConverter.ToGgufMetadata(
            """{"model": {"type": "BPE", "vocab": {}}, "pre_tokenizer": {"type": "Whitespace"}}""", null));
        Assert.Throws<ModelFormatException>(() => HfTokenizerConverter.ToGgufMetadata(
            """{"model": {"type": "Unigram", "vocab": []}}""", null));
        Assert.Throws<ModelFormatException>(() => HfTokenizerConverter.ToGgufMetadata("{not json", null));
        Assert.Throws<ModelFormatException>(() => BuiltInTokenizer.Qwen3Metadata(vocabSize: 1000));
    }
}
