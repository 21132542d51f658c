using GroveMoE.Cpu.Conversion.HuggingFace;
using GroveMoE.Cpu.Conversion.SafeTensors;
using GroveMoE.Cpu.Gguf;
using GroveMoE.Cpu.Model;

namespace GroveMoE.Quantizer.Conversion;

/// <summary>
/// Plans the GGUF of a Hugging Face GroveMoE checkpoint: hyperparameters from config.json, tokenizer from
/// tokenizer.json and tokenizer_config.json, and every tensor checked against the shape the config implies.
/// </summary>
public static class HfCheckpointPlanner
{
    public static ConversionPlan Plan(string directory, SafeTensorsCheckpoint checkpoint, QuantizationRecipe recipe)
    {
        string configText = ReadRequired(directory, HfModelConfig.FileName);
        var hf = HfModelConfig.Parse(configText);
        var c = hf.Config;

        var metadata = new GgufMetadata();
        c.WriteTo(metadata);
        metadata.Set("grovemoe.feed_forward_length", GgufValue.Of((uint)hf.FeedForwardLength));
        metadata.Set("general.name", GgufValue.Of(Path.GetFileName(Path.TrimEndingDirectorySeparator(Path.GetFullPath(directory)))));
        metadata.Set("general.file_type", GgufValue.Of((uint)recipe.FileType));
        metadata.Set("general.quantization_version", GgufValue.Of(2u));
        var tokenizer = HfTokenizerConverter.ToGgufMetadata(
            ReadRequired(directory, "tokenizer.json"), ReadOptional(directory, "tokenizer_config.json"), c.Vocab, configText);
        foreach (var key in tokenizer.Keys) metadata.Set(key, tokenizer[key]);
        if (metadata.GetArray<string>("tokenizer.ggml.tokens").Length != c.Vocab)
            throw new ModelFormatException($"tokenizer.json holds more tokens than config.json's vocab_size {c.Vocab}");

        var used = new HashSet<string>(StringComparer.Ordinal);
        var tensors = new List<OutputTensor>();
        foreach (var m in HfCheckpointLayout.Mappings(c, hf.TiedEmbeddings))
        {
            var pieces = m.HfNames.Select(name => Piece(checkpoint, name, m.HfShape)).ToList();
            used.UnionWith(m.HfNames);
            tensors.Add(new OutputTensor(m.GgufName, recipe.Choose(m.GgufName, m.GgufDimensions, c, hf.TiedEmbeddings), m.GgufDimensions,
                new SafeTensorsRowSource(pieces, m.RowLength)));
        }
        var skipped = checkpoint.TensorNames.Where(n => !used.Contains(n)).Order(StringComparer.Ordinal).ToList();
        var unexpected = skipped.Where(n => !IsKnownUnused(n, c)).ToList();
        if (unexpected.Count > 0)
            throw new ModelFormatException(
                $"the checkpoint holds {unexpected.Count} tensor(s) that are not part of a GroveMoE with this config.json, e.g. '{unexpected[0]}'");
        return new ConversionPlan(metadata, tensors) { Skipped = skipped };
    }

    /// <summary>Tensors llama.cpp's converter drops too: the all-zero expert bias and rotary caches.</summary>
    private static bool IsKnownUnused(string name, GroveConfig c) =>
        name.EndsWith(".rotary_emb.inv_freq", StringComparison.Ordinal)
        || Enumerable.Range(0, c.Layers).Any(l => name == HfCheckpointLayout.ExpertBias(l));

    private static (SafeTensorsFile, SafeTensorInfo) Piece(SafeTensorsCheckpoint checkpoint, string name, long[] shape)
    {
        if (!checkpoint.Contains(name))
            throw new ModelFormatException($"the checkpoint has no tensor '{name}', which config.json's hyperparameters need");
        var (file, info) = checkpoint.Tensor(name);
        if (!info.Shape.SequenceEqual(shape))
            throw new ModelFormatException($"tensor '{name}' has shape {info.ShapeText}, but config.json implies [{string.Join(", ", shape)}]");
        if (!SafeTensorsDTypes.IsConvertible(info.DType))
            throw new ModelFormatException($"tensor '{name}' is {info.DType}; only F32, F16 and BF16 checkpoints can be converted");
        return (file, info);
    }

    private static string ReadRequired(string directory, string name)
    {
        string path = Path.Combine(directory, name);
        if (!File.Exists(path)) throw new FileNotFoundException($"no {name} in {directory}", path);
        return File.ReadAllText(path);
    }

    private static string? ReadOptional(string directory, string name)
    {
        string path = Path.Combine(directory, name);
        return File.Exists(path) ? File.ReadAllText(path) : null;
    }
}
