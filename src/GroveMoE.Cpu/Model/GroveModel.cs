using GroveMoE.Cpu.Gguf;
using GroveMoE.Cpu.Kernels;

namespace GroveMoE.Cpu.Model;

/// <summary>
/// A GroveMoE GGUF file mapped into memory with its hyperparameters and weights bound. Immutable once loaded,
/// so one instance serves any number of <see cref="GroveForward"/> sessions.
/// </summary>
public sealed class GroveModel : IDisposable
{
    private readonly TiledWeights? _tiles;

    private GroveModel(GgufFile file, GroveConfig config, GroveWeights weights, TiledWeights? tiles)
    {
        File = file;
        Config = config;
        Weights = weights;
        _tiles = tiles;
    }

    /// <summary>The mapped file: metadata and every tensor. Owned by the model and closed with it.</summary>
    public GgufFile File { get; }

    /// <summary>The hyperparameters read from the file's metadata.</summary>
    public GroveConfig Config { get; }

    internal GroveWeights Weights { get; }

    /// <summary>Read-only views of layer <paramref name="layer"/>'s weights (for an <see cref="ILayerOffload"/>).</summary>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="layer"/> is not in 0..<see cref="GroveConfig.Layers"/> - 1.</exception>
    public LayerTensors Layer(int layer)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(layer);
        ArgumentOutOfRangeException.ThrowIfGreaterThanOrEqual(layer, Config.Layers);
        return new LayerTensors(File, Weights.Layers[layer], layer);
    }

    /// <summary>Bytes of the tiled copies made at load (0 when the weights are read zero-copy from the file).</summary>
    public long RepackedBytes => _tiles?.Bytes ?? 0;

    /// <summary>
    /// Maps <paramref name="path"/> and binds its weights. Throws <see cref="FileNotFoundException"/>,
    /// <see cref="GgufFormatException"/> or <see cref="ModelFormatException"/> for files it cannot use.
    /// </summary>
    /// <param name="repack">
    /// Copy the Q4_0/Q8_0 matrices into the tiled layout the fastest kernels read (releasing the file's pages as it
    /// goes, so memory stays about one model); false reads every weight zero-copy from the mapped file.
    /// </param>
    public static GroveModel Load(string path, bool repack = true)
    {
        var file = GgufFile.Open(path);
        TiledWeights? tiles = null;
        try
        {
            int vocab = file.Metadata.TryGet("tokenizer.ggml.tokens", out var tokens) && tokens.Value is string[] list
                ? list.Length
                : (int)(file.TryTensor(TensorNames.TokenEmbedding)?.Dimensions.ElementAtOrDefault(1) ?? 0);
            var config = GroveConfig.FromMetadata(file.Metadata, vocab);
            if (repack) tiles = new TiledWeights();
            return new GroveModel(file, config, GroveWeights.Bind(file, config, tiles), tiles);
        }
        catch
        {
            tiles?.Dispose();
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

    /// <summary>Unmaps the file and frees the tiled copies; views and sessions of this model must not be used after.</summary>
    public void Dispose()
    {
        _tiles?.Dispose();
        File.Dispose();
    }
}
