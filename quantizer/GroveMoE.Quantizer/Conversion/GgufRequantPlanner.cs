using GroveMoE.Cpu.Gguf;
using GroveMoE.Cpu.Model;
using GroveMoE.Cpu.Quantization;

namespace GroveMoE.Quantizer.Conversion;

/// <summary>Plans re-quantizing a GroveMoE GGUF: same metadata and tensors, each tensor's type chosen afresh.</summary>
public static class GgufRequantPlanner
{
    public static ConversionPlan Plan(GgufFile input, QuantizationRecipe recipe)
    {
        // Loading validates the architecture and hyperparameters before anything is written.
        int vocab = input.Metadata.TryGet("tokenizer.ggml.tokens", out var tokens) && tokens.Value is string[] list
            ? list.Length
            : (int)(input.TryTensor(TensorNames.TokenEmbedding)?.Dimensions.ElementAtOrDefault(1) ?? 0);
        var config = GroveConfig.FromMetadata(input.Metadata, vocab);
        bool tied = !input.HasTensor(TensorNames.Output);

        foreach (var info in input.TensorInfos)
        {
            if (!GgmlTypeInfo.IsSupported(info.Type))
                throw new ModelFormatException($"tensor '{info.Name}' is {info.Type}; grove-quantize reads {GgmlTypeInfo.SupportedList}");
        }
        var metadata = new GgufMetadata();
        foreach (var key in input.Metadata.Keys) metadata.Set(key, input.Metadata[key]);
        metadata.Set("general.file_type", GgufValue.Of((uint)recipe.FileType));
        metadata.Set("general.quantization_version", GgufValue.Of(2u));
        var tensors = input.TensorInfos
            .Select(info => new OutputTensor(info.Name, recipe.Choose(info.Name, info.Dimensions, config, tied), info.Dimensions,
                new GgufRowSource(input.Tensor(info.Name))))
            .ToList();
        return new ConversionPlan(metadata, tensors);
    }
}
