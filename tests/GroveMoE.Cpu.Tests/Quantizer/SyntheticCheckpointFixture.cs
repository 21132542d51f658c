using GroveMoE.Cpu.Conversion.Synthetic;
using GroveMoE.Cpu.Quantization;
using GroveMoE.Quantizer;
using GroveMoE.Cpu.Conversion.Tokenization;

namespace GroveMoE.Cpu.Tests.Quantizer;

/// <summary>One tiny synthetic Hugging Face checkpoint (several shards) shared by the quantizer tests.</summary>
public sealed class SyntheticCheckpointFixture : IDisposable
{
    public const ulong Seed = 7;

    public SyntheticCheckpointFixture()
    {
        Root = Directory.CreateTempSubdirectory("grove-quant-").FullName;
        CheckpointDir = Path.Combine(Root, "hf");
        int rc = QuantizerApp.Run(["synth", "--preset", "tiny", "--hf-dir", CheckpointDir, "--seed", Seed.ToString(), "--shard-mb", "4"]);
        if (rc != 0) throw new InvalidOperationException($"synth failed with {rc}");
    }

    public string Root { get; }
    public string CheckpointDir { get; }

    /// <summary>The same weights written straight to GGUF by the library, bypassing the quantizer.</summary>
    public SyntheticModelOptions Options(GgmlType weights, GgmlType experts) =>
        new(SyntheticPresets.Tiny(BuiltInTokenizer.Qwen3VocabSize), weights, Seed)
        {
            ExpertType = experts,
            RoundToBF16 = true,
            ExtraMetadata = BuiltInTokenizer.Qwen3Metadata(),
        };

    /// <summary>A fresh empty folder for one test's outputs.</summary>
    public string NewFolder() => Directory.CreateDirectory(Path.Combine(Root, Guid.NewGuid().ToString("N"))).FullName;

    public void Dispose() => Directory.Delete(Root, recursive: true);
}
