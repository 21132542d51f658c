using GroveMoE.Cpu.Gguf;
using GroveMoE.Cpu.Kernels;
using GroveMoE.Cpu.Quantization;

namespace GroveMoE.Cpu.Model;

/// <summary>One SwiGLU expert stack: gate and up {hidden → width}, down {width → hidden}, one matrix each per expert.</summary>
/// <remarks>The tile pointers are the tensors' copies in the tiled layout, or null to read the file's rows.</remarks>
internal sealed unsafe class ExpertStack(GgufTensor gate, GgufTensor up, GgufTensor down, int count,
    byte* gateTiles = null, byte* upTiles = null, byte* downTiles = null)
{
    public int Count { get; } = count;
    public WeightMatrix Gate(int expert) => WeightMatrix.Slice(gate, expert, gateTiles);
    public WeightMatrix Up(int expert) => WeightMatrix.Slice(up, expert, upTiles);
    public WeightMatrix Down(int expert) => WeightMatrix.Slice(down, expert, downTiles);
    public long ParametersPerExpert => Gate(0).ParameterCount + Up(0).ParameterCount + Down(0).ParameterCount;
    public long BytesPerExpert => Gate(0).ByteSize + Up(0).ByteSize + Down(0).ByteSize;
}

/// <summary>The weights of one transformer block.</summary>
internal sealed class LayerWeights
{
    public required float[] AttnNorm { get; init; }
    public required WeightMatrix Q { get; init; }
    public required WeightMatrix K { get; init; }
    public required WeightMatrix V { get; init; }
    public required WeightMatrix O { get; init; }
    public required float[] QNorm { get; init; }
    public required float[] KNorm { get; init; }
    public required float[] FfnNorm { get; init; }
    public required WeightMatrix Router { get; init; }
    public required ExpertStack Experts { get; init; }
    public required ExpertStack Adjugates { get; init; }
}

/// <summary>All GroveMoE weights bound by name from a GGUF file, shapes checked against the config.</summary>
internal sealed class GroveWeights
{
    public required WeightMatrix TokenEmbedding { get; init; }
    public required float[] OutputNorm { get; init; }
    public required WeightMatrix Output { get; init; }
    public required LayerWeights[] Layers { get; init; }

    private const int TensorsPerLayer = 15;

    /// <param name="tiles">Where to put tiled copies of the quantized matrices; null keeps every weight zero-copy in the file.</param>
    public static GroveWeights Bind(GgufFile file, GroveConfig c, TiledWeights? tiles = null)
    {
        // Every layer has 15 tensors, so the tensor count bounds block_count before anything is sized by it.
        if (file.TensorInfos.Count < (long)c.Layers * TensorsPerLayer)
            throw new ModelFormatException(
                $"grovemoe.block_count = {c.Layers} needs {(long)c.Layers * TensorsPerLayer} layer tensors; the file has {file.TensorInfos.Count} tensors");
        // A tied output matrix is the embedding tensor: tiled as the output, read as rows for the lookup, so its
        // mapped pages are kept.
        string? tied = file.HasTensor(TensorNames.Output) ? null : TensorNames.TokenEmbedding;
        var binder = new Binder(file, tiles, tied);
        var layers = new LayerWeights[c.Layers];
        for (int l = 0; l < c.Layers; l++)
        {
            layers[l] = new LayerWeights
            {
                AttnNorm = binder.Vector(TensorNames.AttnNorm(l), c.Hidden),
                Q = binder.Matrix(TensorNames.AttnQ(l), c.Hidden, c.QueryDim),
                K = binder.Matrix(TensorNames.AttnK(l), c.Hidden, c.KvDim),
                V = binder.Matrix(TensorNames.AttnV(l), c.Hidden, c.KvDim),
                O = binder.Matrix(TensorNames.AttnOutput(l), c.QueryDim, c.Hidden),
                QNorm = binder.Vector(TensorNames.AttnQNorm(l), c.HeadDim),
                KNorm = binder.Vector(TensorNames.AttnKNorm(l), c.HeadDim),
                FfnNorm = binder.Vector(TensorNames.FfnNorm(l), c.Hidden),
                Router = binder.Matrix(TensorNames.Router(l), c.Hidden, c.Experts),
                Experts = binder.Experts(TensorNames.GateExperts(l), TensorNames.UpExperts(l), TensorNames.DownExperts(l),
                    c.Hidden, c.ExpertWidth, c.Experts),
                Adjugates = binder.Experts(TensorNames.GateAdjugates(l), TensorNames.UpAdjugates(l), TensorNames.DownAdjugates(l),
                    c.Hidden, c.AdjugateWidth, c.Groups),
            };
        }
        return new GroveWeights
        {
            TokenEmbedding = binder.Matrix(TensorNames.TokenEmbedding, c.Hidden, c.Vocab, tiled: false),
            OutputNorm = binder.Vector(TensorNames.OutputNorm, c.Hidden),
            Output = binder.Matrix(tied ?? TensorNames.Output, c.Hidden, c.Vocab),
            Layers = layers,
        };
    }

    private sealed unsafe class Binder(GgufFile file, TiledWeights? tiles, string? keepPages)
    {
        private GgufTensor Get(string name, params long[] shape)
        {
            var t = file.TryTensor(name) ?? throw new ModelFormatException($"missing tensor '{name}'");
            if (!t.Dimensions.SequenceEqual(shape))
                throw new ModelFormatException($"tensor '{name}' has shape {t.Info.ShapeText}, expected {{{string.Join(", ", shape)}}}");
            if (!GgmlTypeInfo.IsSupported(t.Type))
                throw new ModelFormatException($"tensor '{name}' is {t.Type}; this runtime supports {GgmlTypeInfo.SupportedList}");
            return t;
        }

        public WeightMatrix Matrix(string name, int columns, int rows, bool tiled = true)
        {
            var t = Get(name, columns, rows);
            var matrix = WeightMatrix.From(t);
            return tiled ? matrix.WithTiles(Tiles(t)) : matrix;
        }

        private byte* Tiles(GgufTensor t) =>
            tiles != null && TileLayout.Supports(t.Type) ? tiles.Tile(t, releaseSource: t.Name != keepPages) : null;

        /// <summary>Small vectors (norm weights) are converted to float once; they are kilobytes, not weights that matter.</summary>
        public float[] Vector(string name, int length)
        {
            var t = Get(name, length);
            var values = new float[length];
            RowCodec.Dequantize(t.Type, t.Bytes, values);
            return values;
        }

        public ExpertStack Experts(string gate, string up, string down, int hidden, int width, int count)
        {
            GgufTensor g = Get(gate, hidden, width, count), u = Get(up, hidden, width, count), d = Get(down, width, hidden, count);
            return new ExpertStack(g, u, d, count, Tiles(g), Tiles(u), Tiles(d));
        }
    }
}
