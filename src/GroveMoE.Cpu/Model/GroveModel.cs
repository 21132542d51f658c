using GroveMoE.Cpu.Gguf;

namespace GroveMoE.Cpu.Model;

/// <summary>
/// A GroveMoE GGUF file mapped into memory with its hyperparameters and weights bound. Immutable once loaded,
/// so one instance serves any number of <see cref="GroveForward"/> sessions.
/// </summary>
public sealed class GroveModel : IDisposable
{
    private GroveModel(GgufFile file, GroveConfig config, GroveWeights weights)
    {
        File = file;
        Config = config;
        Weights = weights;
    }

    public GgufFile File { get; }
    public GroveConfig Config { get; }
    internal GroveWeights Weights { get; }

    /// <summary>
    /// Maps <paramref name="path"/> and binds its weights. Throws <see cref="FileNotFoundException"/>,
    /// <see cref="GgufFormatException"/> or <see cref="ModelFormatException"/> for files it cannot use.
    /// </summary>
    public static GroveModel Load(string path)
    {
        var file = GgufFile.Open(path);
        try
        {
            int vocab = file.Metadata.TryGet("tokenizer.ggml.tokens", out var tokens) && tokens.Value is string[] list
                ? list.Length
                : (int)(file.TryTensor(TensorNames.TokenEmbedding)?.Dimensions.ElementAtOrDefault(1) ?? 0);
            var config = GroveConfig.FromMetadata(file.Metadata, vocab);
            return new GroveModel(file, config, GroveWeights.Bind(file, config));
        }
        catch
        {
            file.Dispose();
            throw;
        }
    }

    /// <summary>Parameters used by one token given how many adjugate groups it ran (embedding row excluded).</summary>
    public long ActiveParameters(double adjugateGroups)
    {
        var layer = Weights.Layers[0];
        long perLayer = layer.Q.ParameterCount + layer.K.ParameterCount + layer.V.ParameterCount + layer.O.ParameterCount
            + layer.Router.ParameterCount + Config.ExpertsUsed * layer.Experts.ParametersPerExpert
            + 2L * Config.Hidden + 2L * Config.HeadDim;
        return Config.Layers * (perLayer + (long)Math.Round(adjugateGroups * layer.Adjugates.ParametersPerExpert))
            + Weights.Output.ParameterCount + Config.Hidden;
    }

    /// <summary>Bytes of weights a decode step reads given its adjugate groups per layer.</summary>
    public long BytesPerToken(double adjugateGroups)
    {
        var layer = Weights.Layers[0];
        long perLayer = layer.Q.ByteSize + layer.K.ByteSize + layer.V.ByteSize + layer.O.ByteSize + layer.Router.ByteSize
            + Config.ExpertsUsed * layer.Experts.BytesPerExpert;
        return Config.Layers * (perLayer + (long)Math.Round(adjugateGroups * layer.Adjugates.BytesPerExpert))
            + Weights.Output.ByteSize + Weights.TokenEmbedding.RowBytes;
    }

    public void Dispose() => File.Dispose();
}
