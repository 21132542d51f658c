#:project ../../src/GroveMoE.Cpu.Conversion/GroveMoE.Cpu.Conversion.csproj
// Writes a synthetic GroveMoE GGUF that llama.cpp can load (it needs tokenizer metadata).
// usage: dotnet run bench/peer/make-synthetic.cs -- PRESET TYPE GROUP_SCALE OUT.gguf [VOCAB]
//   PRESET tiny|small|wide4|wide8|full; TYPE F32|F16|Q8_0|Q4_0; VOCAB defaults to Qwen3's 151936, which gets the
//   built-in Qwen3 tokenizer; a smaller VOCAB gets llama.cpp's "none" tokenizer (ids only, no text).
using System.Globalization;
using GroveMoE.Cpu.Conversion.Synthetic;
using GroveMoE.Cpu.Conversion.Tokenization;
using GroveMoE.Cpu.Gguf;
using GroveMoE.Cpu.Quantization;
using GroveMoE.Cpu.Tokenization;

if (args.Length is < 4 or > 5)
{
    Console.Error.WriteLine("usage: make-synthetic.cs PRESET F32|F16|Q8_0|Q4_0 GROUP_SCALE OUT.gguf [VOCAB]");
    return 1;
}
string preset = args[0];
var type = Enum.Parse<GgmlType>(args[1], ignoreCase: true);
float groupScale = float.Parse(args[2], CultureInfo.InvariantCulture);
string path = args[3];
int vocab = args.Length == 5 ? int.Parse(args[4], CultureInfo.InvariantCulture) : BuiltInTokenizer.Qwen3VocabSize;

var config = SyntheticPresets.ByName(preset, vocab) with { GroupScale = groupScale };
var options = new SyntheticModelOptions(config, type) { ExtraMetadata = TokenizerMetadata(vocab) };
SyntheticModelWriter.Write(path, options);
Console.WriteLine($"{path}: {preset} {type} group_scale={groupScale} vocab={vocab}");
return 0;

static GgufMetadata TokenizerMetadata(int vocab)
{
    if (vocab >= BuiltInTokenizer.Qwen3VocabSize) return BuiltInTokenizer.Qwen3Metadata(vocab);
    // llama.cpp's "none" tokenizer: vocab_size dummy tokens, enough to evaluate token ids.
    var m = new GgufMetadata();
    m.Set("tokenizer.ggml.model", GgufValue.Of("none"));
    m.Set("grovemoe.vocab_size", GgufValue.Of((uint)vocab));
    return m;
}
