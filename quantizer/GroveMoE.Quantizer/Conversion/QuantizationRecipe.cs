using System.Diagnostics.CodeAnalysis;
using GroveMoE.Cpu.Conversion.Synthetic;
using GroveMoE.Cpu.Model;
using GroveMoE.Cpu.Quantization;

namespace GroveMoE.Quantizer.Conversion;

/// <summary>
/// Which ggml type each tensor gets. Norms (1-D) and the router stay F32, as llama.cpp's converter keeps them.
/// <c>mixed</c>: routed and adjugate experts Q4_0 (nearly all parameters, read a few experts per token), everything
/// else (attention, output, token embedding) Q8_0. A row whose length is not a multiple of the block size cannot be
/// Q4_0/Q8_0 and falls back to F16, as <c>convert_hf_to_gguf.py</c> does. The K-quant types follow llama-quantize's
/// mixtures (<see cref="KQuantMixture"/>).
/// </summary>
public sealed record QuantizationRecipe(string Name, GgmlType Weights, GgmlType Experts, KQuantMixture? Mixture = null)
{
    public const string Choices = "q4_0, q8_0, f16, bf16, f32, mixed, q4_k_m, q4_k_s, q5_k_m, q5_k_s, q6_k, q3_k_m, q2_k, iq4_xs";

    /// <summary>The recipe called <paramref name="name"/> (one of <see cref="Choices"/>, any case).</summary>
    public static QuantizationRecipe Parse(string name) => TryParse(name, out var recipe) ? recipe
        : throw new ArgumentException($"'{name}' is not one of {Choices}", nameof(name));

    /// <summary>The recipe called <paramref name="name"/>, if it is one of <see cref="Choices"/> (any case).</summary>
    public static bool TryParse(string name, [NotNullWhen(true)] out QuantizationRecipe? recipe)
    {
        recipe = Find(name);
        return recipe is not null;
    }

    private static QuantizationRecipe? Find(string name) => name.ToLowerInvariant() switch
    {
        "q4_0" => Uniform(name, GgmlType.Q4_0),
        "q8_0" => Uniform(name, GgmlType.Q8_0),
        "f16" => Uniform(name, GgmlType.F16),
        "bf16" => Uniform(name, GgmlType.BF16),
        "f32" => Uniform(name, GgmlType.F32),
        "mixed" => new("mixed", GgmlType.Q8_0, GgmlType.Q4_0),
        "q4_k_m" => KQuant(KQuantKind.Q4_K_M),
        "q4_k_s" => KQuant(KQuantKind.Q4_K_S),
        "q5_k_m" => KQuant(KQuantKind.Q5_K_M),
        "q5_k_s" => KQuant(KQuantKind.Q5_K_S),
        "q6_k" => KQuant(KQuantKind.Q6_K),
        "q3_k_m" => KQuant(KQuantKind.Q3_K_M),
        "q2_k" => KQuant(KQuantKind.Q2_K),
        "iq4_xs" => KQuant(KQuantKind.IQ4_XS),
        _ => null,
    };

    private static QuantizationRecipe Uniform(string name, GgmlType type) => new(name.ToLowerInvariant(), type, type);

    private static QuantizationRecipe KQuant(KQuantKind kind)
    {
        var mixture = new KQuantMixture(kind);
        return new(kind.ToString().ToLowerInvariant(), mixture.Default, mixture.Default, mixture);
    }

    /// <summary>llama.cpp's <c>general.file_type</c>: its llama_ftype for the K-quant mixtures, else the type most parameters have.</summary>
    public int FileType => Mixture is { } m ? (int)m.Kind : SyntheticModelWriter.FileType(Experts);

    /// <param name="tiedEmbeddings">the file has no output.weight, so the token embedding is also the output projection</param>
    public GgmlType Choose(string tensorName, long[] dimensions, GroveConfig config, bool tiedEmbeddings)
    {
        if (dimensions.Length == 1 || tensorName.EndsWith("ffn_gate_inp.weight", StringComparison.Ordinal)) return GgmlType.F32;
        if (Mixture is { } mixture) return mixture.Choose(tensorName, dimensions, config, tiedEmbeddings);
        var type = IsExpertTensor(tensorName) ? Experts : Weights;
        return dimensions[0] % GgmlTypeInfo.BlockSize(type) == 0 ? type : GgmlType.F16;
    }

    private static bool IsExpertTensor(string name) =>
        name.EndsWith("_exps.weight", StringComparison.Ordinal) || name.EndsWith("_chexps.weight", StringComparison.Ordinal);
}
