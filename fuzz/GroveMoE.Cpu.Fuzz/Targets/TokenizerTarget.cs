using System.Runtime.InteropServices;
using System.Text;
using GroveMoE.Cpu.Tokenization;
using GroveMoE.Cpu.Conversion.Tokenization;

namespace GroveMoE.Cpu.Fuzz.Targets;

/// <summary>
/// The Qwen3 tokenizer over arbitrary input: the bytes as UTF-8 text and as UTF-16 code units (lone surrogates
/// included), encoded with and without special tokens, decoded back; and the bytes as token ids, decoded whole and
/// streamed. Only ids outside the vocabulary may throw (ArgumentOutOfRangeException).
/// </summary>
public sealed class TokenizerTarget : FuzzTarget
{
    private static readonly Lazy<GroveTokenizer> Qwen3 = new(() => GroveTokenizer.FromMetadata(BuiltInTokenizer.Qwen3Metadata()));

    public override string Name => "tokenizer";

    public override IReadOnlyList<byte[]> Seeds { get; } =
    [
        .. new[]
        {
            "Hello, world! It's 2026.", "<|im_start|>user\nhi<|im_end|>\n<|im_start|>assistant\n<think>\n\n</think>\n\n",
            "中文和日本語のテキスト、한국어", "emoji 👩‍👩‍👧 e\u0301 ﬁ", "    indented\tcode();\r\n\r\n", "<|im_end|<|im_start|>",
        }.Select(Encoding.UTF8.GetBytes),
        [0x00, 0x00, 0x00, 0x00, 0x97, 0x4F, 0x02, 0x00, 0xFF, 0xFF, 0xFF, 0x7F, 0x01, 0x00, 0x00, 0x00],
    ];

    public override bool IsDocumented(Exception e) => e is ArgumentOutOfRangeException { ParamName: "id" };

    /// <summary>Longer inputs only repeat what shorter ones test, at BPE's cost per character.</summary>
    private const int MaxInputBytes = 4096;

    public override void Run(ReadOnlySpan<byte> input)
    {
        var tokenizer = Qwen3.Value;
        input = input[..Math.Min(input.Length, MaxInputBytes)];
        foreach (string text in new[] { Encoding.UTF8.GetString(input), new string(MemoryMarshal.Cast<byte, char>(input)) })
        {
            foreach (bool special in new[] { true, false })
            {
                var ids = tokenizer.Encode(text, special);
                _ = tokenizer.Decode(ids);
                var streaming = new StreamingDecoder(tokenizer);
                foreach (int id in ids) _ = streaming.Append(id);
            }
        }
        var raw = MemoryMarshal.Cast<byte, int>(input);
        var inVocabulary = raw.ToArray().Select(id => (int)((uint)id % (uint)tokenizer.VocabSize)).ToArray();
        var decoder = new StreamingDecoder(tokenizer, skipSpecial: true);
        foreach (int id in inVocabulary) _ = decoder.Append(id);
        _ = decoder.Flush();
        _ = tokenizer.Decode(inVocabulary, skipSpecial: true);
        _ = tokenizer.Decode(raw);
    }
}
