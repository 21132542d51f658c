using System.Text.Json.Nodes;
using GroveMoE.Cpu.Conversion.HuggingFace;
using GroveMoE.Cpu.Conversion.SafeTensors;
using GroveMoE.Cpu.Quantization;

namespace GroveMoE.Cpu.Conversion.Synthetic;

/// <summary>
/// Writes the random weights of <see cref="SyntheticModelWriter"/> as a Hugging Face GroveMoE checkpoint: sharded
/// BF16 safetensors with per-expert [out, in] tensors, model.safetensors.index.json and config.json. Each HF
/// tensor takes its values from the same <see cref="SyntheticTensorSource"/> element range that the GGUF
/// tensor it is stacked into uses, so with <see cref="SyntheticModelOptions.RoundToBF16"/> both hold equal weights.
/// </summary>
public static class SyntheticCheckpointWriter
{
    /// <summary>Largest shard written by default (4 GiB), as Hugging Face shards are.</summary>
    public const long DefaultShardBytes = 4L << 30;
    private const int SlabValues = 1 << 22;

    /// <summary>
    /// Tokenizer files copied into the checkpoint as they are; <paramref name="ModelConfigJson"/>'s keys
    /// (special token ids, say) are added to config.json.
    /// </summary>
    public sealed record TokenizerFiles(string TokenizerJson, string? TokenizerConfigJson, string? ModelConfigJson = null);

    /// <summary>Writes the checkpoint into <paramref name="directory"/> (created if needed) in shards of at most <paramref name="maxShardBytes"/>; <paramref name="progress"/> receives bytes written so far.</summary>
    public static void Write(string directory, SyntheticModelOptions o, TokenizerFiles? tokenizer = null,
        long maxShardBytes = DefaultShardBytes, IProgress<long>? progress = null)
    {
        Directory.CreateDirectory(directory);
        var config = new HfModelConfig(o.Config, o.TiedEmbeddings, o.Config.ExpertWidth);
        var configJson = (JsonObject)JsonNode.Parse(config.ToJson())!;
        if (tokenizer?.ModelConfigJson is { } extra)
        {
            foreach (var (key, value) in (JsonObject)JsonNode.Parse(extra)!) configJson[key] = value?.DeepClone();
        }
        File.WriteAllText(Path.Combine(directory, HfModelConfig.FileName),
            configJson.ToJsonString(new System.Text.Json.JsonSerializerOptions { WriteIndented = true }));
        if (tokenizer is not null)
        {
            File.WriteAllText(Path.Combine(directory, "tokenizer.json"), tokenizer.TokenizerJson);
            if (tokenizer.TokenizerConfigJson is { } tc) File.WriteAllText(Path.Combine(directory, "tokenizer_config.json"), tc);
        }

        var pieces = Pieces(o);
        var shards = SplitIntoShards(pieces, maxShardBytes);
        var weightMap = new JsonObject();
        long totalBytes = 0, written = 0;
        var values = new float[SlabValues];
        var bytes = new byte[SlabValues * 2];
        for (int s = 0; s < shards.Count; s++)
        {
            string shardName = $"model-{s + 1:D5}-of-{shards.Count:D5}.safetensors";
            using var stream = new FileStream(Path.Combine(directory, shardName), FileMode.Create, FileAccess.Write, FileShare.None, 1 << 20);
            using var writer = new SafeTensorsWriter(stream,
                shards[s].Select(p => (p.Name, SafeTensorsDType.BF16, p.Shape)),
                new Dictionary<string, string> { ["format"] = "pt" });
            foreach (var piece in shards[s])
            {
                weightMap[piece.Name] = shardName;
                long elements = piece.Shape.Aggregate(1L, (a, b) => a * b);
                for (long done = 0; done < elements; done += SlabValues)
                {
                    int n = (int)Math.Min(SlabValues, elements - done);
                    piece.Source.Fill(piece.FirstElement + done, values.AsSpan(0, n));
                    RowCodec.Quantize(GgmlType.BF16, values.AsSpan(0, n), bytes.AsSpan(0, 2 * n));
                    writer.WriteTensorData(bytes.AsSpan(0, 2 * n));
                    written += 2L * n;
                    progress?.Report(written);
                }
                totalBytes += 2 * elements;
            }
            writer.Finish();
        }
        var index = new JsonObject
        {
            ["metadata"] = new JsonObject { ["total_size"] = totalBytes },
            ["weight_map"] = weightMap,
        };
        File.WriteAllText(Path.Combine(directory, SafeTensorsCheckpoint.IndexFileName),
            index.ToJsonString(new System.Text.Json.JsonSerializerOptions { WriteIndented = true }));
    }

    /// <summary>Bytes of BF16 tensor data the checkpoint holds.</summary>
    public static long DataBytes(SyntheticModelOptions o) => Pieces(o).Sum(p => 2 * p.Shape.Aggregate(1L, (a, b) => a * b));

    private sealed record Piece(string Name, long[] Shape, SyntheticTensorSource Source, long FirstElement);

    private static List<Piece> Pieces(SyntheticModelOptions o)
    {
        var pieces = new List<Piece>();
        foreach (var m in HfCheckpointLayout.Mappings(o.Config, o.TiedEmbeddings))
        {
            var (mean, std) = SyntheticModelWriter.Distribution(m.GgufName, m.RowLength, o);
            var source = new SyntheticTensorSource(o.Seed, m.GgufName, mean, std);
            for (int i = 0; i < m.HfNames.Count; i++)
                pieces.Add(new Piece(m.HfNames[i], m.HfShape, source, i * m.HfElementCount));
        }
        for (int l = 0; l < o.Config.Layers; l++)
        {
            // The real checkpoint's unused, all-zero router bias: present so the quantizer must skip it.
            pieces.Add(new Piece(HfCheckpointLayout.ExpertBias(l), [o.Config.Experts], new SyntheticTensorSource(0, "", 0, 0), 0));
        }
        return pieces;
    }

    private static List<List<Piece>> SplitIntoShards(List<Piece> pieces, long maxShardBytes)
    {
        var shards = new List<List<Piece>> { new() };
        long size = 0;
        foreach (var piece in pieces)
        {
            long bytes = 2 * piece.Shape.Aggregate(1L, (a, b) => a * b);
            if (size > 0 && size + bytes > maxShardBytes)
            {
                shards.Add([]);
                size = 0;
            }
            shards[^1].Add(piece);
            size += bytes;
        }
        return shards;
    }
}
