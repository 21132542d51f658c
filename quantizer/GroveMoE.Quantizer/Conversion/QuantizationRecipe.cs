using GroveMoE.Cpu.CommandLine;
using GroveMoE.Cpu.Conversion.Synthetic;
using GroveMoE.Cpu.Quantization;

namespace GroveMoE.Quantizer.Conversion;

/// <summary>
/// Which ggml type each tensor gets. Norms (1-D) and the router stay F32, as llama.cpp's converter keeps them.
/// <c>mixed</c>: routed and adjugate experts Q4_0 (nearly all parameters, read a few experts per token), everything
/// else (attention, output, token embedding) Q8_0. A row whose length is not a multiple of the block size cannot be
/// Q4_0/Q8_0 and falls back to F16, as <c>convert_hf_to_gguf.py</c> does.
/// </summary>
public sealed record QuantizationRecipe(string Name, GgmlType Weights, GgmlType Experts)
{
    public const string Choices = "q4_0, q8_0, f16, bf16, f32, mixed";

    public static QuantizationRecipe Parse(string name) => name.ToLowerInvariant() switch
    {
        "q4_0" => Uniform(name, GgmlType.Q4_0),
        "q8_0" => Uniform(name, GgmlType.Q8_0),
        "f16" => Uniform(name, GgmlType.F16),
        "bf16" => Uniform(name, GgmlType.BF16),
        "f32" => Uniform(name, GgmlType.F32),
        "mixed" => new("mixed", GgmlType.Q8_0, GgmlType.Q4_0),
        _ => throw new UserInputException($"--type '{name}' is not one of {Choices}"),
    };

    private static QuantizationRecipe Uniform(string name, GgmlType type) => new(name.ToLowerInvariant(), type, type);

    /// <summary>llama.cpp's <c>general.file_type</c>: the type most parameters have.</summary>
    public int FileType => SyntheticModelWriter.FileType(Experts);

    public GgmlType Choose(string tensorName, long[] dimensions)
    {
        if (dimensions.Length == 1 || tensorName.EndsWith("ffn_gate_inp.weight", StringComparison.Ordinal)) return GgmlType.F32;
        var type = IsExpertTensor(tensorName) ? Experts : Weights;
        return dimensions[0] % GgmlTypeInfo.BlockSize(type) == 0 ? type : GgmlType.F16;
    }

    private static bool IsExpertTensor(string name) =>
        name.EndsWith("_exps.weight", StringComparison.Ordinal) || name.EndsWith("_chexps.weight", StringComparison.Ordinal);
}
