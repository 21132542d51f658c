using GroveMoE.Cpu.Model;
namespace GroveMoE.Cpu.Conversion.Synthetic;

/// <summary>Named synthetic model shapes: the real GroveMoE-Inst widths at fewer layers, and small ones for tests and the demo.</summary>
public static class SyntheticPresets
{
    /// <summary>Qwen3's vocabulary size, the embedding rows of GroveMoE-Inst.</summary>
    public const int QwenVocab = 151936;

    /// <summary>GroveMoE-Inst's hyperparameters with <paramref name="layers"/> layers.</summary>
    public static GroveConfig Real(int layers, int vocab = QwenVocab) => new()
    {
        Layers = layers, Hidden = 2048, Heads = 32, KvHeads = 4, HeadDim = 128, RmsEpsilon = 1e-6f, RopeBase = 1e6f,
        ContextLength = 32768, Experts = 128, ExpertsUsed = 8, ExpertWidth = 768, AdjugateWidth = 128,
        ExpertsPerGroup = 2, GroupScale = 0.05f, Vocab = vocab,
    };

    /// <summary>A few hundred thousand parameters with every structural feature of the real model.</summary>
    public static GroveConfig Tiny(int vocab) => new()
    {
        Layers = 2, Hidden = 64, Heads = 4, KvHeads = 2, HeadDim = 32, RmsEpsilon = 1e-6f, RopeBase = 1e6f,
        ContextLength = 4096, Experts = 16, ExpertsUsed = 4, ExpertWidth = 64, AdjugateWidth = 32,
        ExpertsPerGroup = 2, GroupScale = 0.05f, Vocab = vocab,
    };

    /// <summary>The built-in demo: small enough to generate in seconds, big enough to look like a model.</summary>
    public static GroveConfig Small(int vocab) => new()
    {
        Layers = 4, Hidden = 256, Heads = 8, KvHeads = 2, HeadDim = 32, RmsEpsilon = 1e-6f, RopeBase = 1e6f,
        ContextLength = 32768, Experts = 32, ExpertsUsed = 8, ExpertWidth = 128, AdjugateWidth = 32,
        ExpertsPerGroup = 2, GroupScale = 0.05f, Vocab = vocab,
    };

    /// <summary>The preset called <paramref name="name"/> (tiny, small, wide4, wide8, full); throws <see cref="ArgumentException"/> for another name.</summary>
    public static GroveConfig ByName(string name, int vocab = QwenVocab) => name switch
    {
        "tiny" => Tiny(vocab),
        "small" => Small(vocab),
        "wide4" => Real(4, vocab),
        "wide8" => Real(8, vocab),
        "full" => Real(48, vocab),
        _ => throw new ArgumentException($"unknown preset '{name}' (tiny, small, wide4, wide8, full)", nameof(name)),
    };
}
