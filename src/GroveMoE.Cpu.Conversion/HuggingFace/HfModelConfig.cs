using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using GroveMoE.Cpu.Gguf;
using GroveMoE.Cpu.Model;

namespace GroveMoE.Cpu.Conversion.HuggingFace;

/// <summary>
/// A Hugging Face GroveMoE <c>config.json</c> as GroveMoE hyperparameters. The adjugate width, experts per group
/// and adjugate scale are not in config.json: like llama.cpp's converter (and the authors' modeling code) they
/// are head_dim, 2 and 0.05.
/// </summary>
/// <param name="Config">The GroveMoE hyperparameters, validated as the runtime validates a GGUF's.</param>
/// <param name="TiedEmbeddings">config.json's <c>tie_word_embeddings</c>: the token embedding is also the output projection.</param>
/// <param name="FeedForwardLength">config.json's <c>intermediate_size</c> (the expert width when absent), kept as <c>grovemoe.feed_forward_length</c>.</param>
public sealed record HfModelConfig(GroveConfig Config, bool TiedEmbeddings, int FeedForwardLength)
{
    /// <summary>The file's name in a checkpoint folder.</summary>
    public const string FileName = "config.json";
    /// <summary>The <c>architectures</c> entry of a GroveMoE checkpoint.</summary>
    public const string ArchitectureName = "GroveMoeForCausalLM";
    /// <summary>Routed experts per adjugate expert (not in config.json).</summary>
    public const int ExpertsPerGroup = 2;
    /// <summary>The adjugate experts' output scale (not in config.json).</summary>
    public const float GroupScale = 0.05f;

    /// <summary>Reads the text of a config.json; anything that is not a supported GroveMoE config is a <see cref="ModelFormatException"/>.</summary>
    public static HfModelConfig Parse(string json)
    {
        JsonObject root;
        try
        {
            root = JsonNode.Parse(json) as JsonObject ?? throw new ModelFormatException($"{FileName} is not a JSON object");
        }
        catch (JsonException e)
        {
            throw new ModelFormatException($"{FileName} is not valid JSON ({e.Message})");
        }
        var architectures = root["architectures"] as JsonArray;
        string? architecture = architectures?.FirstOrDefault()?.GetValueKind() == JsonValueKind.String
            ? architectures![0]!.GetValue<string>()
            : null;
        if (architecture is null) throw new ModelFormatException($"{FileName}: missing key 'architectures'");
        if (architecture != ArchitectureName)
            throw new ModelFormatException($"{FileName}: architecture '{architecture}' is not supported (grove-quantize converts {ArchitectureName})");

        int hidden = Int(root, "hidden_size");
        int heads = Int(root, "num_attention_heads");
        int headDim = Int(root, "head_dim", hidden / Math.Max(heads, 1));
        int expertWidth = Int(root, "moe_intermediate_size");
        var config = new GroveConfig
        {
            Layers = Int(root, "num_hidden_layers"),
            Hidden = hidden,
            Heads = heads,
            KvHeads = Int(root, "num_key_value_heads", heads),
            HeadDim = headDim,
            RmsEpsilon = Float(root, "rms_norm_eps", 1e-6f),
            RopeBase = Float(root, "rope_theta", 1e6f),
            ContextLength = Int(root, "max_position_embeddings", 32768),
            Experts = Int(root, "num_experts"),
            ExpertsUsed = Int(root, "num_experts_per_tok"),
            ExpertWidth = expertWidth,
            AdjugateWidth = headDim,
            ExpertsPerGroup = ExpertsPerGroup,
            GroupScale = GroupScale,
            Vocab = Int(root, "vocab_size"),
        };
        // Round-tripping through the GGUF keys applies the runtime's own validation.
        var metadata = new GgufMetadata();
        config.WriteTo(metadata);
        config = GroveConfig.FromMetadata(metadata, config.Vocab);
        bool tied = root["tie_word_embeddings"]?.GetValueKind() == JsonValueKind.True;
        return new HfModelConfig(config, tied, Int(root, "intermediate_size", expertWidth));
    }

    /// <summary>Reads <c>config.json</c> from a checkpoint folder (<see cref="FileNotFoundException"/> when it has none).</summary>
    public static HfModelConfig Load(string directory)
    {
        string path = Path.Combine(directory, FileName);
        if (!File.Exists(path)) throw new FileNotFoundException($"no {FileName} in {directory}", path);
        return Parse(File.ReadAllText(path));
    }

    /// <summary>The config.json a Hugging Face GroveMoE checkpoint with these hyperparameters carries.</summary>
    public string ToJson()
    {
        var c = Config;
        if (c.AdjugateWidth != c.HeadDim || c.ExpertsPerGroup != ExpertsPerGroup || c.GroupScale != GroupScale)
            throw new ArgumentException("config.json cannot express an adjugate width other than head_dim, or other group sizes or scales");
        var root = new JsonObject
        {
            ["architectures"] = new JsonArray(ArchitectureName),
            ["model_type"] = "grove_moe",
            ["hidden_size"] = c.Hidden,
            ["intermediate_size"] = FeedForwardLength,
            ["num_hidden_layers"] = c.Layers,
            ["num_attention_heads"] = c.Heads,
            ["num_key_value_heads"] = c.KvHeads,
            ["head_dim"] = c.HeadDim,
            ["hidden_act"] = "silu",
            ["max_position_embeddings"] = c.ContextLength,
            ["rms_norm_eps"] = c.RmsEpsilon,
            ["rope_theta"] = c.RopeBase,
            ["num_experts"] = c.Experts,
            ["num_experts_per_tok"] = c.ExpertsUsed,
            ["moe_intermediate_size"] = c.ExpertWidth,
            ["norm_topk_prob"] = true,
            ["tie_word_embeddings"] = TiedEmbeddings,
            ["vocab_size"] = c.Vocab,
            ["torch_dtype"] = "bfloat16",
        };
        return root.ToJsonString(new JsonSerializerOptions { WriteIndented = true });
    }

    private static int Int(JsonObject root, string key, int? fallback = null)
    {
        var node = root[key];
        if (node is null || node.GetValueKind() == JsonValueKind.Null)
            return fallback ?? throw new ModelFormatException($"{FileName}: missing key '{key}'");
        if (node.GetValueKind() != JsonValueKind.Number || !int.TryParse(node.ToJsonString(), NumberStyles.Integer, CultureInfo.InvariantCulture, out int value))
            throw new ModelFormatException($"{FileName}: '{key}' = {node.ToJsonString()} is not an integer");
        return value;
    }

    private static float Float(JsonObject root, string key, float fallback)
    {
        var node = root[key];
        if (node is null || node.GetValueKind() == JsonValueKind.Null) return fallback;
        if (node.GetValueKind() != JsonValueKind.Number)
            throw new ModelFormatException($"{FileName}: '{key}' = {node.ToJsonString()} is not a number");
        return (float)node.GetValue<double>();
    }
}
