using System.Text;
using GroveMoE.Cpu.Gguf;
using GroveMoE.Cpu.Model;
using Microsoft.ML.Tokenizers;

namespace GroveMoE.Cpu.Tokenization;

/// <summary>
/// The byte-level BPE tokenizer of Qwen2/Qwen3 models (GroveMoE's), built from a GGUF file's <c>tokenizer.*</c> keys.
/// Encoding: control and user-defined tokens in the text are matched whole, the rest is NFC-normalised, split by
/// Qwen2's pre-tokenizer and merged by Microsoft.ML.Tokenizers' BPE. Decoding maps each id to its bytes.
/// NFC comes from <see cref="UnicodeNfc"/>'s own table, since the projects run without ICU.
/// </summary>
public sealed class GroveTokenizer
{
    private readonly string[] _tokens;
    private readonly TokenType[] _types;
    private readonly BpeTokenizer _bpe;
    private readonly SpecialTokenMatcher _specials;
    private readonly Dictionary<string, int> _specialIds;
    // Every token's bytes, end to end: token i is _bytes[_byteStart[i] .. _byteStart[i + 1]).
    private readonly byte[] _bytes;
    private readonly int[] _byteStart;
    private readonly int[] _stopIds;

    private GroveTokenizer(string[] tokens, TokenType[] types, string[] merges, int eosId)
    {
        _tokens = tokens;
        _types = types;
        (_bytes, _byteStart) = BuildByteTable(tokens, types);

        var vocabulary = new List<KeyValuePair<string, int>>(tokens.Length);
        var specials = new List<(string, int)>();
        for (int id = 0; id < tokens.Length; id++)
        {
            if (types[id] is TokenType.Control or TokenType.UserDefined) specials.Add((tokens[id], id));
            else if (types[id] is TokenType.Normal or TokenType.Byte) vocabulary.Add(new(tokens[id], id));
        }
        _specials = new SpecialTokenMatcher(specials);
        _specialIds = new Dictionary<string, int>(StringComparer.Ordinal);
        foreach (var (text, id) in specials) _specialIds.TryAdd(text, id);

        try
        {
            _bpe = BpeTokenizer.Create(new BpeOptions(vocabulary)
            {
                Merges = merges,
                ByteLevel = true,
                PreTokenizer = Qwen2PreTokenizer.Instance,
                Normalizer = NfcNormalizer.Instance,
            });
        }
        catch (Exception e) when (e is ArgumentException or InvalidOperationException or FormatException)
        {
            throw new ModelFormatException($"tokenizer vocabulary or merges are malformed: {e.Message}");
        }

        EosId = eosId;
        ImStartId = SpecialId("<|im_start|>");
        ImEndId = SpecialId("<|im_end|>");
        EndOfTextId = SpecialId("<|endoftext|>");
        _stopIds = new[] { EosId, ImEndId, EndOfTextId }.Where(id => id >= 0).Distinct().ToArray();
    }

    /// <summary>Tokens in the vocabulary.</summary>
    public int VocabSize => _tokens.Length;

    /// <summary>tokenizer.ggml.eos_token_id (Qwen3: &lt;|im_end|&gt;), or -1.</summary>
    public int EosId { get; }

    /// <summary>The id of &lt;|im_start|&gt;, or -1.</summary>
    public int ImStartId { get; }

    /// <summary>The id of &lt;|im_end|&gt;, or -1.</summary>
    public int ImEndId { get; }

    /// <summary>The id of &lt;|endoftext|&gt;, or -1.</summary>
    public int EndOfTextId { get; }

    /// <summary>Ids that end generation: EOS, &lt;|im_end|&gt; and &lt;|endoftext|&gt; (those the vocabulary has).</summary>
    public ReadOnlySpan<int> StopIds => _stopIds;

    /// <summary>Whether <paramref name="id"/> is one of <see cref="StopIds"/>.</summary>
    public bool IsStop(int id) => _stopIds.AsSpan().Contains(id);

    /// <summary>A control token (chat markup such as &lt;|im_start|&gt;), which decoding may leave out.</summary>
    public bool IsSpecial(int id) => TypeOf(id) == TokenType.Control;

    /// <summary>The GGUF token type of <paramref name="id"/>; throws <see cref="ArgumentOutOfRangeException"/> outside the vocabulary.</summary>
    public TokenType TypeOf(int id) => _types[CheckId(id)];

    /// <summary>The id of a control or user-defined token spelled exactly <paramref name="text"/>, or -1.</summary>
    public int SpecialId(string text) => _specialIds.TryGetValue(text, out int id) ? id : -1;

    /// <summary>The tokenizer a GGUF file describes (<c>tokenizer.ggml.*</c>); throws <see cref="ModelFormatException"/> when it is missing or inconsistent.</summary>
    public static GroveTokenizer FromMetadata(GgufMetadata metadata)
    {
        string model = metadata.GetStringOrNull("tokenizer.ggml.model")
            ?? throw new ModelFormatException("the model has no tokenizer (metadata key 'tokenizer.ggml.model' is missing)");
        if (model != "gpt2")
            throw new ModelFormatException($"tokenizer model '{model}' is not supported (only byte-level BPE, 'gpt2')");
        string pre = metadata.GetStringOrNull("tokenizer.ggml.pre") ?? "(none)";
        if (pre != "qwen2")
            throw new ModelFormatException($"tokenizer pre-tokenizer '{pre}' is not supported (only Qwen2/Qwen3's 'qwen2')");
        if (!metadata.Contains("tokenizer.ggml.tokens") || !metadata.Contains("tokenizer.ggml.merges"))
            throw new ModelFormatException("the tokenizer lacks 'tokenizer.ggml.tokens' or 'tokenizer.ggml.merges'");

        var tokens = metadata.GetArray<string>("tokenizer.ggml.tokens");
        var merges = metadata.GetArray<string>("tokenizer.ggml.merges");
        var types = new TokenType[tokens.Length];
        if (metadata.Contains("tokenizer.ggml.token_type"))
        {
            var raw = metadata.GetArray<int>("tokenizer.ggml.token_type");
            if (raw.Length != tokens.Length)
                throw new ModelFormatException($"tokenizer has {tokens.Length} tokens but {raw.Length} token types");
            for (int i = 0; i < raw.Length; i++)
            {
                types[i] = (TokenType)raw[i];
                if (!Enum.IsDefined(types[i]))
                    throw new ModelFormatException($"tokenizer.ggml.token_type of token {i} is {raw[i]}, not a known token type");
            }
        }
        else
        {
            Array.Fill(types, TokenType.Normal);
        }
        int eos = metadata.GetIntOrDefault("tokenizer.ggml.eos_token_id", -1);
        if (eos < -1 || eos >= tokens.Length)
            throw new ModelFormatException($"tokenizer.ggml.eos_token_id {eos} is outside the vocabulary of {tokens.Length}");
        return new GroveTokenizer(tokens, types, merges, eos);
    }

    /// <summary>Token ids of <paramref name="text"/>; with <paramref name="parseSpecial"/> chat markup such as &lt;|im_start|&gt; becomes its control token, else it is encoded as plain text.</summary>
    public int[] Encode(string text, bool parseSpecial = true)
    {
        var ids = new List<int>(text.Length / 3 + 4);
        Encode(text, ids, parseSpecial);
        return [.. ids];
    }

    /// <summary>Appends the ids of <paramref name="text"/> to <paramref name="ids"/>.</summary>
    /// <param name="parseSpecial">match control and user-defined tokens spelled in the text (chat markup);
    /// false treats them as plain text, as untrusted input should be</param>
    public void Encode(ReadOnlySpan<char> text, List<int> ids, bool parseSpecial = true)
    {
        int start = 0;
        while (start < text.Length)
        {
            int end = text.Length, length = 0, specialId = -1;
            if (parseSpecial && _specials.TryFindNext(text, start, out int index, out length, out specialId))
                end = index;
            if (end > start)
                ids.AddRange(_bpe.EncodeToIds(text[start..end], considerPreTokenization: true, considerNormalization: true));
            if (specialId >= 0) ids.Add(specialId);
            start = end + length;
        }
    }

    /// <summary>The text of <paramref name="ids"/>; bytes that are not valid UTF-8 become U+FFFD.</summary>
    public string Decode(ReadOnlySpan<int> ids, bool skipSpecial = false)
    {
        int length = 0;
        foreach (int id in ids) length += TokenBytes(id).Length;
        var bytes = length <= 1024 ? stackalloc byte[length] : new byte[length];
        int at = 0;
        foreach (int id in ids)
        {
            if (skipSpecial && IsSpecial(id)) continue;
            var piece = TokenBytes(id);
            piece.CopyTo(bytes[at..]);
            at += piece.Length;
        }
        return Encoding.UTF8.GetString(bytes[..at]);
    }

    /// <summary>The bytes token <paramref name="id"/> stands for (empty for unused padding tokens).</summary>
    public ReadOnlySpan<byte> TokenBytes(int id) =>
        _bytes.AsSpan(_byteStart[CheckId(id)], _byteStart[id + 1] - _byteStart[id]);

    /// <summary>The token as the vocabulary spells it (byte-level alphabet for ordinary tokens: 'Ġ' is a space).</summary>
    public string TokenText(int id) => _tokens[CheckId(id)];

    private int CheckId(int id) => (uint)id < (uint)_tokens.Length
        ? id
        : throw new ArgumentOutOfRangeException(nameof(id), id, $"token id outside the vocabulary of {_tokens.Length}");

    private static (byte[] Bytes, int[] Start) BuildByteTable(string[] tokens, TokenType[] types)
    {
        var pieces = new byte[tokens.Length][];
        for (int i = 0; i < tokens.Length; i++)
        {
            pieces[i] = types[i] switch
            {
                TokenType.Control or TokenType.UserDefined => Encoding.UTF8.GetBytes(tokens[i]),
                TokenType.Unused => [],
                _ => ByteLevelAlphabet.ToBytes(tokens[i]),
            };
        }
        var start = new int[tokens.Length + 1];
        for (int i = 0; i < tokens.Length; i++)
        {
            start[i + 1] = start[i] + pieces[i].Length;
            if (start[i + 1] < 0) throw new ModelFormatException("tokenizer vocabulary holds more than 2 GiB of token bytes");
        }
        var bytes = new byte[start[^1]];
        for (int i = 0; i < tokens.Length; i++) pieces[i].CopyTo(bytes, start[i]);
        return (bytes, start);
    }
}
