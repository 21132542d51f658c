using Microsoft.ML.Tokenizers;

namespace GroveMoE.Cpu.Tokenization;

/// <summary>Unicode NFC, the normalizer of Qwen's tokenizer.json, as a Microsoft.ML.Tokenizers normalizer.</summary>
internal sealed class NfcNormalizer : Normalizer
{
    public static readonly NfcNormalizer Instance = new();

    public override string Normalize(string original) =>
        UnicodeNfc.IsTriviallyNormalized(original) ? original : UnicodeNfc.Normalize(original);

    public override string Normalize(ReadOnlySpan<char> original) => UnicodeNfc.Normalize(original);
}
