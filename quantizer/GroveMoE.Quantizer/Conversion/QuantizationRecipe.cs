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
    /// <summary>The recipe called <paramref name="name"/> (a <see cref="QuantizationType"/>, any case).</summary>
    public static QuantizationRecipe Parse(string name) =>
        Enum.GetNames<QuantizationType>().FirstOrDefault(n => n.Equals(name, StringComparison.OrdinalIgnoreCase)) is { } type
            ? For(Enum.Parse<QuantizationType>(type))
            : throw new ArgumentException($"'{name}' is not one of {string.Join(", ", Enum.GetNames<QuantizationType>())}", nameof(name));

    /// <summary>The recipe <paramref name="type"/> names.</summary>
    public static QuantizationRecipe For(QuantizationType type) => type switch
    {
        QuantizationType.Q4_0 => Uniform(GgmlType.Q4_0),
        QuantizationType.Q8_0 => Uniform(GgmlType.Q8_0),
        QuantizationType.F16 => Uniform(GgmlType.F16),
        QuantizationType.BF16 => Uniform(GgmlType.BF16),
        QuantizationType.F32 => Uniform(GgmlType.F32),
        QuantizationType.Mixed => new("mixed", GgmlType.Q8_0, GgmlType.Q4_0),
        QuantizationType.Q4_K_M => KQuant(KQuantKind.Q4_K_M),
        QuantizationType.Q4_K_S => KQuant(KQuantKind.Q4_K_S),
        QuantizationType.Q5_K_M => KQuant(KQuantKind.Q5_K_M),
        QuantizationType.Q5_K_S => KQuant(KQuantKind.Q5_K_S),
        QuantizationType.Q6_K => KQuant(KQuantKind.Q6_K),
        QuantizationType.Q3_K_M => KQuant(KQuantKind.Q3_K_M),
        QuantizationType.Q2_K => KQuant(KQuantKind.Q2_K),
        QuantizationType.IQ4_XS => KQuant(KQuantKind.IQ4_XS),
        _ => throw new ArgumentOutOfRangeException(nameof(type), type, null),
    };

    private static QuantizationRecipe Uniform(GgmlType type) => new(type.ToString().ToLowerInvariant(), type, type);

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
