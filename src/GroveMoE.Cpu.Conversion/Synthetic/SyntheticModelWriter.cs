using GroveMoE.Cpu.Conversion.Gguf;
using GroveMoE.Cpu.Gguf;
using GroveMoE.Cpu.Model;
using GroveMoE.Cpu.Quantization;

namespace GroveMoE.Cpu.Conversion.Synthetic;

/// <summary>
/// Writes a GroveMoE GGUF with random weights, streaming: each tensor is generated and quantized a slab of
/// rows at a time, so memory stays small whatever the model size.
/// </summary>
public static class SyntheticModelWriter
{
    private const int SlabValues = 1 << 22;

    /// <summary>The tensors of a GroveMoE model: name, type and ggml shape, in file order.</summary>
    public static List<(string Name, GgmlType Type, long[] Dimensions)> Layout(SyntheticModelOptions o)
    {
        var c = o.Config;
        var t = o.WeightType;
        var experts = o.ExpertType ?? t;
        var list = new List<(string, GgmlType, long[])>
        {
            (TensorNames.TokenEmbedding, t, [c.Hidden, c.Vocab]),
            (TensorNames.OutputNorm, GgmlType.F32, [c.Hidden]),
        };
        if (!o.TiedEmbeddings) list.Add((TensorNames.Output, t, [c.Hidden, c.Vocab]));
        for (int l = 0; l < c.Layers; l++)
        {
            list.Add((TensorNames.AttnNorm(l), GgmlType.F32, [c.Hidden]));
            list.Add((TensorNames.AttnQ(l), t, [c.Hidden, c.QueryDim]));
            list.Add((TensorNames.AttnK(l), t, [c.Hidden, c.KvDim]));
            list.Add((TensorNames.AttnV(l), t, [c.Hidden, c.KvDim]));
            list.Add((TensorNames.AttnOutput(l), t, [c.QueryDim, c.Hidden]));
            list.Add((TensorNames.AttnQNorm(l), GgmlType.F32, [c.HeadDim]));
            list.Add((TensorNames.AttnKNorm(l), GgmlType.F32, [c.HeadDim]));
            list.Add((TensorNames.FfnNorm(l), GgmlType.F32, [c.Hidden]));
            list.Add((TensorNames.Router(l), GgmlType.F32, [c.Hidden, c.Experts]));
            list.Add((TensorNames.GateExperts(l), experts, [c.Hidden, c.ExpertWidth, c.Experts]));
            list.Add((TensorNames.UpExperts(l), experts, [c.Hidden, c.ExpertWidth, c.Experts]));
            list.Add((TensorNames.DownExperts(l), experts, [c.ExpertWidth, c.Hidden, c.Experts]));
            list.Add((TensorNames.GateAdjugates(l), experts, [c.Hidden, c.AdjugateWidth, c.Groups]));
            list.Add((TensorNames.UpAdjugates(l), experts, [c.Hidden, c.AdjugateWidth, c.Groups]));
            list.Add((TensorNames.DownAdjugates(l), experts, [c.AdjugateWidth, c.Hidden, c.Groups]));
        }
        return list;
    }

    /// <summary>Mean and standard deviation of a tensor's random values: unit-gain projections, norms near 1.</summary>
    public static (float Mean, float Std) Distribution(string name, long rowLength, SyntheticModelOptions o)
    {
        if (name.EndsWith("norm.weight", StringComparison.Ordinal)) return (1f, 0.1f);
        if (name == TensorNames.TokenEmbedding) return (0f, 1f);
        float std = 1f / MathF.Sqrt(rowLength);
        return name.EndsWith("ffn_gate_inp.weight", StringComparison.Ordinal) ? (0f, std * o.RouterScale) : (0f, std);
    }

    /// <summary>The metadata of the synthetic GGUF: hyperparameters, name, file type and any extra keys of <paramref name="o"/>.</summary>
    public static GgufMetadata Metadata(SyntheticModelOptions o)
    {
        var m = new GgufMetadata();
        o.Config.WriteTo(m);
        m.Set("general.name", GgufValue.Of("GroveMoE synthetic (random weights)"));
        m.Set("general.file_type", GgufValue.Of((uint)FileType(o.WeightType)));
        m.Set("general.quantization_version", GgufValue.Of(2u));
        if (o.ExtraMetadata is { } extra)
        {
            foreach (var key in extra.Keys) m.Set(key, extra[key]);
        }
        return m;
    }

    /// <summary>Writes the model to <paramref name="stream"/>; <paramref name="progress"/> receives bytes written so far.</summary>
    public static void Write(Stream stream, SyntheticModelOptions o, IProgress<long>? progress = null)
    {
        using var writer = new GgufWriter(stream, Metadata(o), Layout(o));
        var values = new float[SlabValues];
        var bytes = new byte[GgmlTypeInfo.RowBytes(GgmlType.F32, SlabValues)];
        long written = 0;
        foreach (var info in writer.Tensors)
        {
            var (mean, std) = Distribution(info.Name, info.RowLength, o);
            var source = new SyntheticTensorSource(o.Seed, info.Name, mean, std);
            long rowBytes = GgmlTypeInfo.RowBytes(info.Type, info.RowLength);
            int rowsPerSlab = (int)Math.Max(1, SlabValues / info.RowLength);
            for (long row = 0; row < info.RowCount; row += rowsPerSlab)
            {
                int rows = (int)Math.Min(rowsPerSlab, info.RowCount - row);
                var slab = values.AsSpan(0, rows * (int)info.RowLength);
                source.Fill(row * info.RowLength, slab);
                if (o.RoundToBF16)
                {
                    RowCodec.Quantize(GgmlType.BF16, slab, bytes);
                    RowCodec.Dequantize(GgmlType.BF16, bytes, slab);
                }
                for (int r = 0; r < rows; r++)
                {
                    RowCodec.Quantize(info.Type, slab.Slice(r * (int)info.RowLength, (int)info.RowLength),
                        bytes.AsSpan((int)(r * rowBytes), (int)rowBytes));
                }
                writer.WriteTensorData(bytes.AsSpan(0, (int)(rows * rowBytes)));
                written += rows * rowBytes;
                progress?.Report(written);
            }
        }
        writer.Finish();
    }

    /// <summary>Writes the model to a new file at <paramref name="path"/> (replacing one there).</summary>
    public static void Write(string path, SyntheticModelOptions o, IProgress<long>? progress = null)
    {
        using var stream = new FileStream(path, FileMode.Create, FileAccess.Write, FileShare.None, 1 << 20);
        Write(stream, o, progress);
    }

    /// <summary>llama.cpp's <c>general.file_type</c> code for a model mostly of <paramref name="type"/>.</summary>
    public static int FileType(GgmlType type) => type switch
    {
        GgmlType.F32 => 0,
        GgmlType.F16 => 1,
        GgmlType.Q4_0 => 2,
        GgmlType.Q8_0 => 7,
        GgmlType.BF16 => 32,
        _ => throw new ArgumentOutOfRangeException(nameof(type), type, "no file type for this tensor type"),
    };
}
