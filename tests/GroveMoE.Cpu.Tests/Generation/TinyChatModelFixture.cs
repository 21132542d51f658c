using GroveMoE.Cpu.Model;
using GroveMoE.Cpu.Conversion.Synthetic;
using GroveMoE.Cpu.Quantization;
using GroveMoE.Cpu.Tokenization;
using GroveMoE.Cpu.Conversion.Tokenization;

namespace GroveMoE.Cpu.Tests.Generation;

/// <summary>A tiny random GroveMoE with the real Qwen3 tokenizer, written once per test class.</summary>
public sealed class TinyChatModelFixture : IDisposable
{
    public TinyChatModelFixture()
    {
        Path = System.IO.Path.Combine(System.IO.Path.GetTempPath(), $"grove-tiny-chat-{Guid.NewGuid():N}.gguf");
        var options = new SyntheticModelOptions(SyntheticPresets.Tiny(BuiltInTokenizer.Qwen3VocabSize), GgmlType.Q8_0, Seed: 11)
        {
            ExtraMetadata = BuiltInTokenizer.Qwen3Metadata(),
        };
        SyntheticModelWriter.Write(Path, options);
        Model = GroveModel.Load(Path);
        Tokenizer = GroveTokenizer.FromMetadata(Model.File.Metadata);
    }

    public string Path { get; }
    public GroveModel Model { get; }
    public GroveTokenizer Tokenizer { get; }

    public void Dispose()
    {
        Model.Dispose();
        File.Delete(Path);
    }
}
