using GroveMoE.Cpu.Gguf;

namespace GroveMoE.Cpu.Model;

/// <summary>GroveMoE hyperparameters, read from GGUF metadata under the <c>grovemoe.</c> prefix.</summary>
public sealed record GroveConfig
{
    /// <summary>The <c>general.architecture</c> value of GroveMoE files, and the prefix of their hyperparameter keys.</summary>
    public const string Architecture = "grovemoe";
    private const string P = Architecture + ".";

    /// <summary>Transformer blocks.</summary>
    public int Layers { get; init; }
    /// <summary>Width of the hidden state (embedding length).</summary>
    public int Hidden { get; init; }
    /// <summary>Query heads.</summary>
    public int Heads { get; init; }
    /// <summary>Key/value heads (grouped-query attention).</summary>
    public int KvHeads { get; init; }
    /// <summary>Elements per attention head.</summary>
    public int HeadDim { get; init; }
    /// <summary>The epsilon of every RMS norm.</summary>
    public float RmsEpsilon { get; init; } = 1e-6f;
    /// <summary>The rotary embedding's base frequency (theta).</summary>
    public float RopeBase { get; init; } = 1e6f;
    /// <summary>The context the model was trained for (sessions choose their own).</summary>
    public int ContextLength { get; init; } = 32768;
    /// <summary>Routed experts per layer.</summary>
    public int Experts { get; init; }
    /// <summary>Routed experts each token runs (top-k).</summary>
    public int ExpertsUsed { get; init; }
    /// <summary>Intermediate width of a routed expert.</summary>
    public int ExpertWidth { get; init; }
    /// <summary>Intermediate width of an adjugate expert.</summary>
    public int AdjugateWidth { get; init; }
    /// <summary>Routed experts sharing one adjugate expert.</summary>
    public int ExpertsPerGroup { get; init; } = 2;
    /// <summary>The scale of the adjugate experts' output (<c>expert_group_scale</c>).</summary>
    public float GroupScale { get; init; } = 0.05f;
    /// <summary>Tokens in the vocabulary (rows of the embedding).</summary>
    public int Vocab { get; init; }

    /// <summary>Adjugate experts (groups) per layer.</summary>
    public int Groups => Experts / ExpertsPerGroup;
    /// <summary>Width of all query heads together.</summary>
    public int QueryDim => Heads * HeadDim;
    /// <summary>Width of all key (or value) heads together.</summary>
    public int KvDim => KvHeads * HeadDim;

    /// <summary>Bytes of the KV cache (keys and values of every layer) for <paramref name="positions"/> positions; long.MaxValue when that overflows.</summary>
    public long KvCacheBytes(int positions, KvCacheType type) => KvCache.RequiredBytes(this, positions, type);

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
            // key_length defaults to hidden / heads, so heads is checked before anything divides by it.
            RequireRange(heads, 1, MaxHeads, "attention.head_count");
            RequireRange(hidden, 1, MaxWidth, "embedding_length");
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

    // Far above any real model (GroveMoE-Inst: 48 layers, hidden 2048, 128 experts) yet small enough that
    // nothing derived from them (per-layer arrays, head buffers, the KV row) can overflow an int.
    private const int MaxLayers = 4096, MaxHeads = 4096, MaxWidth = 1 << 20, MaxExperts = 1 << 16, MaxVocab = 1 << 24;

    private static void RequireRange(long value, long min, long max, string key)
    {
        if (value < min || value > max)
            throw new ModelFormatException($"invalid GroveMoE hyperparameters: {P}{key} = {value} is outside [{min}, {max}]");
    }

    private static void RequirePositiveFinite(float value, string key)
    {
        if (!float.IsFinite(value) || value <= 0)
            throw new ModelFormatException($"invalid GroveMoE hyperparameters: {P}{key} = {value} must be a positive finite number");
    }

    private void Validate(GgufMetadata m)
    {
        void Require(bool ok, string what)
        {
            if (!ok) throw new ModelFormatException($"invalid GroveMoE hyperparameters: {what}");
        }
        RequireRange(Layers, 1, MaxLayers, "block_count");
        RequireRange(KvHeads, 1, Heads, "attention.head_count_kv");
        RequireRange(HeadDim, 2, MaxWidth, "attention.key_length");
        Require((long)Heads * HeadDim <= MaxWidth, $"{Heads} heads of {HeadDim} exceed {MaxWidth} query values");
        Require(Heads % KvHeads == 0, $"{Heads} query heads are not a multiple of {KvHeads} KV heads");
        Require(HeadDim % 2 == 0, "head dimension must be even for RoPE");
        Require(m.GetIntOrDefault(P + "attention.value_length", HeadDim) == HeadDim, "value_length must equal key_length");
        RequirePositiveFinite(RmsEpsilon, "attention.layer_norm_rms_epsilon");
        RequirePositiveFinite(RopeBase, "rope.freq_base");
        Require(float.IsFinite(GroupScale), $"{P}expert_group_scale = {GroupScale} is not a finite number");
        RequireRange(ContextLength, 1, int.MaxValue, "context_length");
        RequireRange(Experts, 1, MaxExperts, "expert_count");
        RequireRange(ExpertsUsed, 1, Experts, "expert_used_count");
        RequireRange(ExpertsPerGroup, 1, Experts, "experts_per_group");
        Require(Experts % ExpertsPerGroup == 0, $"{Experts} experts do not split into groups of {ExpertsPerGroup}");
        RequireRange(ExpertWidth, 1, MaxWidth, "expert_feed_forward_length");
        RequireRange(AdjugateWidth, 1, MaxWidth, "expert_chunk_feed_forward_length");
        Require(Vocab is > 0 and <= MaxVocab, Vocab > 0 ? $"vocabulary of {Vocab} tokens is larger than {MaxVocab}" : "empty vocabulary");
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
