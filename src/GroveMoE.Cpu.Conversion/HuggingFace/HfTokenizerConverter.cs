using System.Text.Json;
using GroveMoE.Cpu.Gguf;
using GroveMoE.Cpu.Model;
using GroveMoE.Cpu.Tokenization;

namespace GroveMoE.Cpu.Conversion.HuggingFace;

/// <summary>
/// Turns a Hugging Face <c>tokenizer.json</c> (+ <c>tokenizer_config.json</c>, + <c>config.json</c>) into the
/// <c>tokenizer.*</c> GGUF keys, with the same values and key order as llama.cpp's <c>convert_hf_to_gguf.py</c>
/// writes for a Qwen2/Qwen3 byte-level BPE tokenizer.
/// </summary>
public static class HfTokenizerConverter
{
    /// <summary>The split regex of Qwen2/Qwen3's pre-tokenizer; llama.cpp calls this pre-tokenizer "qwen2".</summary>
    public const string Qwen2SplitPattern =
        @"(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}| ?[^\s\p{L}\p{N}]+[\r\n]*|\s*[\r\n]+|\s+(?!\S)|\s+";

    private static readonly string[] SpecialTokenTypes = ["bos", "eos", "unk", "sep", "pad", "cls", "mask"];

    /// <summary>The <c>tokenizer.*</c> GGUF keys of a checkpoint's tokenizer files; an unsupported tokenizer is a <see cref="ModelFormatException"/>.</summary>
    /// <param name="tokenizerJson">text of <c>tokenizer.json</c></param>
    /// <param name="tokenizerConfigJson">text of <c>tokenizer_config.json</c> (special tokens, chat template), if any</param>
    /// <param name="vocabSize">the model's embedding rows (<c>config.json</c> <c>vocab_size</c>); ids the tokenizer
    /// does not use up to it become <c>[PAD{id}]</c> tokens of type unused</param>
    /// <param name="modelConfigJson">text of <c>config.json</c>: llama.cpp takes <c>bos_token_id</c> and the like from it
    /// when <c>tokenizer_config.json</c> names no such token (Qwen3 has no BOS token there but 151643 in config.json)</param>
    public static GgufMetadata ToGgufMetadata(string tokenizerJson, string? tokenizerConfigJson,
        int? vocabSize = null, string? modelConfigJson = null)
    {
        using var tokenizer = Parse(tokenizerJson, "tokenizer.json");
        using var config = tokenizerConfigJson is null ? null : Parse(tokenizerConfigJson, "tokenizer_config.json");
        using var modelConfig = modelConfigJson is null ? null : Parse(modelConfigJson, "config.json");
        var root = tokenizer.RootElement;

        var model = Property(root, "model") ?? throw Error("tokenizer.json has no \"model\"");
        if (StringProperty(model, "type") is { } type && type != "BPE")
            throw Error($"tokenizer.json model type '{type}' is not supported (only byte-level BPE)");
        RequireQwen2PreTokenizer(root);

        var (tokens, types) = ReadVocabulary(model, root, config?.RootElement, vocabSize);
        var merges = ReadMerges(model);

        var metadata = new GgufMetadata();
        metadata.Set("tokenizer.ggml.model", GgufValue.Of("gpt2"));
        metadata.Set("tokenizer.ggml.pre", GgufValue.Of("qwen2"));
        metadata.Set("tokenizer.ggml.tokens", GgufValue.Of(tokens));
        metadata.Set("tokenizer.ggml.token_type", GgufValue.Of(types));
        metadata.Set("tokenizer.ggml.merges", GgufValue.Of(merges));
        foreach (var (kind, id) in SpecialTokenIds(root, config?.RootElement, modelConfig?.RootElement, tokens.Length))
            metadata.Set($"tokenizer.ggml.{GgufSpecialKeyName(kind)}_token_id", GgufValue.Of((uint)id));
        if (config is not null)
        {
            foreach (var kind in SpecialTokenTypes)
            {
                if (Property(config.RootElement, $"add_{kind}_token") is { ValueKind: JsonValueKind.True or JsonValueKind.False } add)
                    metadata.Set($"tokenizer.ggml.add_{kind}_token", GgufValue.Of(add.GetBoolean()));
            }
            if (StringProperty(config.RootElement, "chat_template") is { } template)
                metadata.Set("tokenizer.chat_template", GgufValue.Of(template));
        }
        return metadata;
    }

    private static (string[] Tokens, int[] Types) ReadVocabulary(JsonElement model, JsonElement root,
        JsonElement? config, int? vocabSize)
    {
        var byId = new Dictionary<int, string>();
        if (Property(model, "vocab") is not { ValueKind: JsonValueKind.Object } vocab)
            throw Error("tokenizer.json model has no \"vocab\" object");
        foreach (var entry in vocab.EnumerateObject())
            byId[entry.Value.GetInt32()] = entry.Name;

        var added = new Dictionary<int, (string Content, bool Special)>();
        if (Property(root, "added_tokens") is { ValueKind: JsonValueKind.Array } addedTokens)
        {
            foreach (var token in addedTokens.EnumerateArray())
            {
                int id = token.GetProperty("id").GetInt32();
                string content = token.GetProperty("content").GetString() ?? "";
                bool special = Property(token, "special") is { ValueKind: JsonValueKind.True };
                added[id] = (content, special);
                byId[id] = content;
            }
        }
        // transformers reports special-ness from tokenizer_config.json's added_tokens_decoder where it has one.
        if (config is { } c && Property(c, "added_tokens_decoder") is { ValueKind: JsonValueKind.Object } decoder)
        {
            foreach (var entry in decoder.EnumerateObject())
            {
                if (!int.TryParse(entry.Name, out int id) || !added.TryGetValue(id, out var known)) continue;
                bool special = Property(entry.Value, "special") is { ValueKind: JsonValueKind.True };
                added[id] = (known.Content, special);
            }
        }

        int largest = byId.Count == 0 ? -1 : byId.Keys.Max();
        int size = vocabSize ?? largest + 1;
        if (largest >= size)
            throw Error($"tokenizer has token id {largest} but the model's vocabulary has only {size} entries");

        var tokens = new string[size];
        var types = new int[size];
        for (int id = 0; id < size; id++)
        {
            if (added.TryGetValue(id, out var token))
            {
                bool control = token.Special || LooksSpecial(token.Content);
                tokens[id] = control ? token.Content : token.Content.Replace('\u2581', ' ');
                types[id] = control ? (int)TokenType.Control : (int)TokenType.UserDefined;
            }
            else if (byId.TryGetValue(id, out var text))
            {
                tokens[id] = text;
                types[id] = (int)TokenType.Normal;
            }
            else
            {
                tokens[id] = $"[PAD{id}]";
                types[id] = (int)TokenType.Unused;
            }
        }
        return (tokens, types);
    }

    /// <summary>llama.cpp's <c>does_token_look_special</c>: added tokens that ought to be control tokens even when not marked special.</summary>
    private static bool LooksSpecial(string token) =>
        token is "<pad>" or "<mask>" or "<2mass>" or "[@BOS@]"
        || (token.StartsWith("<|", StringComparison.Ordinal) && token.EndsWith("|>", StringComparison.Ordinal))
        || (token.StartsWith("<\uff5c", StringComparison.Ordinal) && token.EndsWith("\uff5c>", StringComparison.Ordinal))
        || (token.StartsWith("<unused", StringComparison.Ordinal) && token.EndsWith('>'));

    private static string[] ReadMerges(JsonElement model)
    {
        if (Property(model, "merges") is not { ValueKind: JsonValueKind.Array } merges)
            return [];
        var result = new string[merges.GetArrayLength()];
        int i = 0;
        foreach (var merge in merges.EnumerateArray())
        {
            result[i++] = merge.ValueKind switch
            {
                JsonValueKind.String => merge.GetString()!,
                // Since transformers 4.45 merges are pairs so that parts may hold spaces; GGUF keeps the
                // space-joined form and, like llama.cpp, writes a space inside a part as U+0120.
                JsonValueKind.Array when merge.GetArrayLength() == 2 =>
                    $"{merge[0].GetString()!.Replace(' ', '\u0120')} {merge[1].GetString()!.Replace(' ', '\u0120')}",
                _ => throw Error("tokenizer.json merges must be strings or pairs of strings"),
            };
        }
        return result;
    }

    /// <summary>
    /// Special token ids in llama.cpp's order: first those <c>tokenizer_config.json</c> names (looked up among the
    /// added tokens), then the <c>*_token_id</c> fields of <c>config.json</c> for the kinds still missing.
    /// </summary>
    private static List<(string Kind, int Id)> SpecialTokenIds(JsonElement root, JsonElement? config,
        JsonElement? modelConfig, int vocabSize)
    {
        var ids = new List<(string Kind, int Id)>();
        if (config is { } c && Property(root, "added_tokens") is { ValueKind: JsonValueKind.Array } addedTokens)
        {
            foreach (var kind in SpecialTokenTypes)
            {
                var entry = Property(c, $"{kind}_token");
                string? content = entry switch
                {
                    { ValueKind: JsonValueKind.String } s => s.GetString(),
                    { ValueKind: JsonValueKind.Object } o => StringProperty(o, "content"),
                    _ => null,
                };
                if (content is null) continue;
                foreach (var token in addedTokens.EnumerateArray())
                {
                    if (token.GetProperty("content").GetString() != content) continue;
                    int id = token.GetProperty("id").GetInt32();
                    if (id >= 0 && id < vocabSize) ids.Add((kind, id));
                    break;
                }
            }
        }
        if (modelConfig is { } m)
        {
            foreach (var kind in SpecialTokenTypes)
            {
                if (ids.Exists(e => e.Kind == kind)) continue;
                // config.json may hold a list of eos ids; llama.cpp then takes the first.
                var value = Property(m, $"{kind}_token_id");
                var first = value is { ValueKind: JsonValueKind.Array } list && list.GetArrayLength() > 0 ? list[0] : value;
                if (first is { ValueKind: JsonValueKind.Number } n && n.TryGetInt32(out int id) && id >= 0 && id < vocabSize)
                    ids.Add((kind, id));
            }
        }
        return ids;
    }

    private static string GgufSpecialKeyName(string kind) => kind switch
    {
        "sep" => "seperator", // sic: the GGUF key is spelled this way
        "pad" => "padding",
        _ => kind,
    };

    private static void RequireQwen2PreTokenizer(JsonElement root)
    {
        var pre = Property(root, "pre_tokenizer");
        string? pattern = null;
        if (pre is { } p && StringProperty(p, "type") == "Sequence" && Property(p, "pretokenizers") is { ValueKind: JsonValueKind.Array } steps)
        {
            foreach (var step in steps.EnumerateArray())
            {
                if (StringProperty(step, "type") == "Split" && Property(step, "pattern") is { } pat)
                    pattern = StringProperty(pat, "Regex");
            }
        }
        if (pattern != Qwen2SplitPattern)
            throw Error("tokenizer.json pre-tokenizer is not Qwen2's byte-level split; only Qwen2/Qwen3 tokenizers are supported");
    }

    private static JsonDocument Parse(string json, string what)
    {
        try
        {
            return JsonDocument.Parse(json, new JsonDocumentOptions { AllowTrailingCommas = true });
        }
        catch (JsonException e)
        {
            throw Error($"{what} is not valid JSON: {e.Message}");
        }
    }

    private static JsonElement? Property(JsonElement element, string name) =>
        element.ValueKind == JsonValueKind.Object && element.TryGetProperty(name, out var value) ? value : null;

    private static string? StringProperty(JsonElement element, string name) =>
        Property(element, name) is { ValueKind: JsonValueKind.String } value ? value.GetString() : null;

    private static ModelFormatException Error(string message) => new(message);
}
