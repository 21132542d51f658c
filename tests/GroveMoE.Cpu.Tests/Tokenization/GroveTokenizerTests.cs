using System.Text;
using GroveMoE.Cpu.Gguf;
using GroveMoE.Cpu.Model;
using GroveMoE.Cpu.Tokenization;
using GroveMoE.Cpu.Conversion.Tokenization;

namespace GroveMoE.Cpu.Tests.Tokenization;

public sealed class GroveTokenizerTests
{
    private static GroveTokenizer Tokenizer => Qwen3TokenizerFixture.Tokenizer;

    public static TheoryData<int> CaseIndices()
    {
        var data = new TheoryData<int>();
        for (int i = 0; i < Qwen3TokenizerFixture.Cases.Length; i++) data.Add(i);
        return data;
    }

    [Theory]
    [MemberData(nameof(CaseIndices))]
    public void IdsEqualTheReferenceTokenizer(int index)
    {
        var c = Qwen3TokenizerFixture.Cases[index];
        Assert.Equal(c.Ids, Tokenizer.Encode(c.Text));
    }

    [Theory]
    [MemberData(nameof(CaseIndices))]
    public void DecodeInvertsEncodeUpToNfc(int index)
    {
        var c = Qwen3TokenizerFixture.Cases[index];
        string decoded = Tokenizer.Decode(Tokenizer.Encode(c.Text));
        // The tokenizer NFC-normalises text outside special tokens, so only NFC text comes back unchanged.
        Assert.Equal(c.Nfc, decoded);
        Assert.Equal(c.Decoded, Tokenizer.Decode(c.Ids));
    }

    [Theory]
    [MemberData(nameof(CaseIndices))]
    public void StreamingPiecesJoinToTheFullDecodeWithoutBrokenCharacters(int index)
    {
        var ids = Qwen3TokenizerFixture.Cases[index].Ids;
        var decoder = new StreamingDecoder(Tokenizer);
        var streamed = new StringBuilder();
        foreach (int id in ids)
        {
            var piece = decoder.Append(id);
            Assert.False(piece.Contains('\uFFFD'), "a piece holds U+FFFD");
            Assert.False(piece.Length > 0 && char.IsHighSurrogate(piece[^1]), "a piece ends inside a surrogate pair");
            streamed.Append(piece);
        }
        Assert.True(decoder.Flush().IsEmpty);
        Assert.Equal(Tokenizer.Decode(ids), streamed.ToString());
    }

    [Fact]
    public void StreamingHoldsBackSplitCharactersAndFlushesLeftovers()
    {
        // "𓀀" (U+13000) is four UTF-8 bytes that Qwen's vocabulary spells as three tokens, the first two ending mid-character.
        var ids = Tokenizer.Encode("𓀀");
        Assert.True(ids.Length > 1);
        var decoder = new StreamingDecoder(Tokenizer);
        for (int i = 0; i < ids.Length - 1; i++) Assert.True(decoder.Append(ids[i]).IsEmpty);
        Assert.Equal("𓀀", decoder.Append(ids[^1]).ToString());

        decoder.Append(ids[0]);
        Assert.Equal("\uFFFD", decoder.Flush().ToString());
        Assert.Equal("\uFFFD", Tokenizer.Decode(ids.AsSpan(0, 1)));
    }

    [Fact]
    public void RandomMixesOfCorpusCharactersRoundTrip()
    {
        var chars = Qwen3TokenizerFixture.Cases.Take(60)
            .SelectMany(c => c.Text.EnumerateRunes()).Distinct().Select(r => r.ToString()).ToArray();
        var random = new Random(1234);
        var decoder = new StreamingDecoder(Tokenizer);
        for (int trial = 0; trial < 2000; trial++)
        {
            var text = new StringBuilder();
            int length = random.Next(1, 60);
            for (int i = 0; i < length; i++) text.Append(chars[random.Next(chars.Length)]);
            string s = text.ToString();
            var ids = Tokenizer.Encode(s);
            string expected = UnicodeNfc.Normalize(s);
            Assert.Equal(expected, Tokenizer.Decode(ids));

            decoder.Reset();
            var streamed = new StringBuilder();
            foreach (int id in ids) streamed.Append(decoder.Append(id));
            streamed.Append(decoder.Flush());
            Assert.Equal(expected, streamed.ToString());
        }
    }

    [Theory]
    [MemberData(nameof(CaseIndices))]
    public void NfcEqualsIcus(int index)
    {
        var c = Qwen3TokenizerFixture.Cases[index];
        Assert.Equal(c.Nfc, UnicodeNfc.Normalize(c.Text));
    }

    [Fact]
    public void SpecialTokensAreAtomicOnlyWhenParsed()
    {
        int imStart = Tokenizer.ImStartId;
        Assert.Equal(151644, imStart);
        Assert.Equal([imStart], Tokenizer.Encode("<|im_start|>"));
        var plain = Tokenizer.Encode("<|im_start|>", parseSpecial: false);
        Assert.DoesNotContain(imStart, plain);
        Assert.Equal("<|im_start|>", Tokenizer.Decode(plain));
        Assert.Equal([151667], Tokenizer.Encode("<think>"));
    }

    [Fact]
    public void SpecialIdsAndStopSet()
    {
        Assert.Equal(BuiltInTokenizer.Qwen3VocabSize, Tokenizer.VocabSize);
        Assert.Equal(151645, Tokenizer.EosId);
        Assert.Equal(151645, Tokenizer.ImEndId);
        Assert.Equal(151643, Tokenizer.EndOfTextId);
        Assert.True(Tokenizer.IsStop(151645));
        Assert.True(Tokenizer.IsStop(151643));
        Assert.False(Tokenizer.IsStop(151644));
        Assert.Equal(2, Tokenizer.StopIds.Length);
        Assert.Equal("Ġworld", Tokenizer.TokenText(1879));
        Assert.Equal(" world"u8.ToArray(), Tokenizer.TokenBytes(1879).ToArray());
        Assert.True(Tokenizer.TokenBytes(151700).IsEmpty); // unused padding
        Assert.Equal("Hi", Tokenizer.Decode([151644, 13048, 151645], skipSpecial: true));
    }

    [Fact]
    public void UnsupportedTokenizersAreRefused()
    {
        var metadata = new GgufMetadata();
        Assert.Throws<ModelFormatException>(() => GroveTokenizer.FromMetadata(metadata));
        metadata.Set("tokenizer.ggml.model", GgufValue.Of("llama"));
        Assert.Contains("'llama'", Assert.Throws<ModelFormatException>(() => GroveTokenizer.FromMetadata(metadata)).Message);
        metadata.Set("tokenizer.ggml.model", GgufValue.Of("gpt2"));
        metadata.Set("tokenizer.ggml.pre", GgufValue.Of("llama-bpe"));
        Assert.Contains("'llama-bpe'", Assert.Throws<ModelFormatException>(() => GroveTokenizer.FromMetadata(metadata)).Message);
    }
}
