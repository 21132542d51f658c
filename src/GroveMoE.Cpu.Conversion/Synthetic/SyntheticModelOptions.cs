using GroveMoE.Cpu.Gguf;
using GroveMoE.Cpu.Model;
using GroveMoE.Cpu.Quantization;

namespace GroveMoE.Cpu.Conversion.Synthetic;

/// <summary>
/// What a synthetic GroveMoE file holds: real hyperparameters, random weights from <see cref="Seed"/>.
/// Norms and the router stay F32, as llama.cpp's converter keeps them.
/// </summary>
public sealed record SyntheticModelOptions(GroveConfig Config, GgmlType WeightType, ulong Seed = 1)
{
    /// <summary>Type of the routed and adjugate expert tensors; <see cref="WeightType"/> when null.</summary>
    public GgmlType? ExpertType { get; init; }

    /// <summary>Extra metadata written as is (tokenizer keys, chat template).</summary>
    public GgufMetadata? ExtraMetadata { get; init; }

    /// <summary>Writes no <c>output.weight</c>, so the output projection is tied to the token embedding.</summary>
    public bool TiedEmbeddings { get; init; }

    /// <summary>
    /// Rounds every random value to BF16 before storing it, so this file holds exactly the weights of the
    /// BF16 Hugging Face checkpoint <see cref="SyntheticCheckpointWriter"/> writes with the same options.
    /// </summary>
    public bool RoundToBF16 { get; init; }

    /// <summary>Multiplies the router weights' spread: larger makes routing more decisive.</summary>
    public float RouterScale { get; init; } = 4f;
}
