using GroveMoE.Cpu.Gguf;

namespace GroveMoE.Cpu.Model;

/// <summary>GroveMoE hyperparameters, read from GGUF metadata under the <c>grovemoe.</c> prefix.</summary>
public sealed record GroveConfig
{
    public const string Architecture = "grovemoe";
    private const string P = Architecture + ".";

    public int Layers { get; init; }
    public int Hidden { get; init; }
    public int Heads { get; init; }
    public int KvHeads { get; init; }
    public int HeadDim { get; init; }
    public float RmsEpsilon { get; init; } = 1e-6f;
    public float RopeBase { get; init; } = 1e6f;
    public int ContextLength { get; init; } = 32768;
    public int Experts { get; init; }
    public int ExpertsUsed { get; init; }
    public int ExpertWidth { get; init; }
    public int AdjugateWidth { get; init; }
    public int ExpertsPerGroup { get; init; } = 2;
    public float GroupScale { get; init; } = 0.05f;
    public int Vocab { get; init; }

    public int Groups => Experts / ExpertsPerGroup;
    public int QueryDim => Heads * HeadDim;
    public int KvDim => KvHeads * HeadDim;

    /// <summary>Reads and validates the hyperparameters; <paramref name="vocab"/> comes from the token list or embedding.</summary>
    public static GroveConfig FromMetadata(GgufMetadata m, int vocab)
    {
        string arch = m.GetStringOrNull("general.architecture")
            ?? throw new ModelFormatException("missing metadata key 'general.architecture'");
        if (arch != Architecture)
            throw new ModelFormatException($"architecture '{arch}' is not supported (this runtime runs '{Architecture}')");
        try
        {
            int hidden = m.GetInt(P + "embedding_length");
            int heads = m.GetInt(P + "attention.head_count");
            var config = new GroveConfig
            {
                Layers = m.GetInt(P + "block_count"),
                Hidden = hidden,
                Heads = heads,
                KvHeads = m.GetIntOrDefault(P + "attention.head_count_kv", heads),
                HeadDim = m.GetIntOrDefault(P + "attention.key_length", hidden / heads),
                RmsEpsilon = m.GetFloatOrDefault(P + "attention.layer_norm_rms_epsilon", 1e-6f),
                RopeBase = m.GetFloatOrDefault(P + "rope.freq_base", 1e6f),
                ContextLength = m.GetIntOrDefault(P + "context_length", 32768),
                Experts = m.GetInt(P + "expert_count"),
                ExpertsUsed = m.GetInt(P + "expert_used_count"),
                ExpertWidth = m.GetInt(P + "expert_feed_forward_length"),
                AdjugateWidth = m.GetInt(P + "expert_chunk_feed_forward_length"),
                ExpertsPerGroup = m.GetIntOrDefault(P + "experts_per_group", 2),
                GroupScale = m.GetFloatOrDefault(P + "expert_group_scale", 0.05f),
                Vocab = vocab,
            };
            config.Validate(m);
            return config;
        }
        catch (GgufMissingKeyException e)
        {
            throw new ModelFormatException($"not a complete GroveMoE file: {e.Message}");
        }
    }

    private void Validate(GgufMetadata m)
    {
        void Require(bool ok, string what)
        {
            if (!ok) throw new ModelFormatException($"invalid GroveMoE hyperparameters: {what}");
        }
        Require(Layers > 0 && Hidden > 0 && Heads > 0 && KvHeads > 0 && HeadDim > 0, "sizes must be positive");
        Require(Heads % KvHeads == 0, $"{Heads} query heads are not a multiple of {KvHeads} KV heads");
        Require(HeadDim % 2 == 0, "head dimension must be even for RoPE");
        Require(m.GetIntOrDefault(P + "attention.value_length", HeadDim) == HeadDim, "value_length must equal key_length");
        Require(Experts > 0 && ExpertsUsed > 0 && ExpertsUsed <= Experts, $"{ExpertsUsed} of {Experts} experts");
        Require(ExpertsPerGroup > 0 && Experts % ExpertsPerGroup == 0, $"{Experts} experts do not split into groups of {ExpertsPerGroup}");
        Require(ExpertWidth > 0 && AdjugateWidth > 0, "expert widths must be positive");
        Require(Vocab > 0, "empty vocabulary");
    }

    /// <summary>Writes these hyperparameters as the metadata keys llama.cpp's converter uses.</summary>
    public void WriteTo(GgufMetadata m)
    {
        m.Set("general.architecture", GgufValue.Of(Architecture));
        m.Set(P + "block_count", GgufValue.Of((uint)Layers));
        m.Set(P + "context_length", GgufValue.Of((uint)ContextLength));
        m.Set(P + "embedding_length", GgufValue.Of((uint)Hidden));
        m.Set(P + "feed_forward_length", GgufValue.Of((uint)ExpertWidth));
        m.Set(P + "attention.head_count", GgufValue.Of((uint)Heads));
        m.Set(P + "attention.head_count_kv", GgufValue.Of((uint)KvHeads));
        m.Set(P + "attention.key_length", GgufValue.Of((uint)HeadDim));
        m.Set(P + "attention.value_length", GgufValue.Of((uint)HeadDim));
        m.Set(P + "attention.layer_norm_rms_epsilon", GgufValue.Of(RmsEpsilon));
        m.Set(P + "rope.freq_base", GgufValue.Of(RopeBase));
        m.Set(P + "expert_count", GgufValue.Of((uint)Experts));
        m.Set(P + "expert_used_count", GgufValue.Of((uint)ExpertsUsed));
        m.Set(P + "expert_feed_forward_length", GgufValue.Of((uint)ExpertWidth));
        m.Set(P + "expert_chunk_feed_forward_length", GgufValue.Of((uint)AdjugateWidth));
        m.Set(P + "experts_per_group", GgufValue.Of((uint)ExpertsPerGroup));
        m.Set(P + "expert_group_scale", GgufValue.Of(GroupScale));
    }
}
