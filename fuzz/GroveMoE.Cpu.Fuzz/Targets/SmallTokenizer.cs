using GroveMoE.Cpu.Gguf;
using GroveMoE.Cpu.Tokenization;

namespace GroveMoE.Cpu.Fuzz.Targets;

/// <summary>A byte-level BPE vocabulary of a few hundred tokens: every byte, some merges and the chat markup, so model seeds stay small.</summary>
internal static class SmallTokenizer
{
    private static readonly string[] Merges = ["a b", "ab c", "Ġ a", "Ġa b", "t h", "th e"];

    public static readonly string[] Tokens = [
        .. Enumerable.Range(0, 256).Select(b => ByteLevelAlphabet.ToChar((byte)b).ToString()),
        .. Merges.Select(m => m.Replace(" ", "")),
        "<|endoftext|>", "<|im_start|>", "<|im_end|>", "<think>", "</think>",
    ];

    public static GgufMetadata Metadata()
    {
        var m = new GgufMetadata();
        m.Set("tokenizer.ggml.model", GgufValue.Of("gpt2"));
        m.Set("tokenizer.ggml.pre", GgufValue.Of("qwen2"));
        m.Set("tokenizer.ggml.tokens", GgufValue.Of(Tokens));
        m.Set("tokenizer.ggml.merges", GgufValue.Of(Merges));
        m.Set("tokenizer.ggml.token_type", GgufValue.Of(Tokens.Select((t, i) => i < 256 + Merges.Length ? 1 : t.StartsWith("<|") ? 3 : 4).ToArray()));
        m.Set("tokenizer.ggml.eos_token_id", GgufValue.Of((uint)(Tokens.Length - 3)));
        m.Set("tokenizer.chat_template", GgufValue.Of("{% for m in messages %}<|im_start|>{{ m.role }}\n{{ m.content }}<|im_end|>\n{% endfor %}"));
        return m;
    }
}
