using GroveMoE.Cpu.Model;
using GroveMoE.Cpu.Quantization;

namespace GroveMoE.Quantizer.Conversion;

/// <summary>llama.cpp's K-quant file types (llama_ftype) that grove-quantize writes.</summary>
public enum KQuantKind
{
    Q2_K = 10,
    Q3_K_M = 12,
    Q4_K_S = 14,
    Q4_K_M = 15,
    Q5_K_S = 16,
    Q5_K_M = 17,
    Q6_K = 18,
    IQ4_XS = 30,
}

/// <summary>
/// Which type each tensor of a GroveMoE gets in llama-quantize's K-quant mixtures (llama_tensor_get_type without an
/// importance matrix), restated for GroveMoE's tensors: 128 experts (so none of the 8-expert rules), grouped-query
/// attention, not Falcon. The output projection (or the tied embedding) gets Q6_K; attn_v and the down projections
/// get more bits in the layers <see cref="MoreBits"/> picks; then a type whose block does not divide the row
/// (the adjugate down projections' 128) falls back to a 32-block type, as llama.cpp's tensor_type_fallback.
/// </summary>
public sealed record KQuantMixture(KQuantKind Kind)
{
    public GgmlType Default => Kind switch
    {
        KQuantKind.Q2_K => GgmlType.Q2_K,
        KQuantKind.Q3_K_M => GgmlType.Q3_K,
        KQuantKind.Q4_K_S or KQuantKind.Q4_K_M => GgmlType.Q4_K,
        KQuantKind.Q5_K_S or KQuantKind.Q5_K_M => GgmlType.Q5_K,
        KQuantKind.Q6_K => GgmlType.Q6_K,
        KQuantKind.IQ4_XS => GgmlType.IQ4_XS,
        _ => throw new ArgumentOutOfRangeException(nameof(Kind)),
    };

    /// <summary>llama.cpp's use_more_bits: the first and last eighth of the layers and every third one between.</summary>
    public static bool MoreBits(int layer, int layers) =>
        layer < layers / 8 || layer >= 7 * layers / 8 || (layer - layers / 8) % 3 == 2;

    /// <param name="name">GGUF tensor name; <paramref name="dimensions"/> its ggml shape (row length first).</param>
    public GgmlType Choose(string name, long[] dimensions, GroveConfig config, bool tiedEmbeddings)
    {
        long rowLength = dimensions[0];
        int layers = config.Layers;
        int layer = LayerOf(name);
        int gqa = config.Heads / config.KvHeads;
        var type = Default;
        if (name == TensorNames.Output || (tiedEmbeddings && name == TensorNames.TokenEmbedding))
            type = rowLength % GgmlTypeInfo.BlockSize(type) != 0 ? GgmlType.Q8_0 : GgmlType.Q6_K;
        else if (name.Contains("attn_v.weight", StringComparison.Ordinal))
        {
            type = Kind switch
            {
                KQuantKind.Q2_K => gqa >= 4 ? GgmlType.Q4_K : GgmlType.Q3_K,
                KQuantKind.Q3_K_M => layer < 2 ? GgmlType.Q5_K : GgmlType.Q4_K,
                KQuantKind.IQ4_XS when gqa >= 4 => GgmlType.Q5_K,
                KQuantKind.Q4_K_M or KQuantKind.Q5_K_M when MoreBits(layer, layers) => GgmlType.Q6_K,
                KQuantKind.Q4_K_S when layer < 4 => GgmlType.Q5_K,
                _ => type,
            };
        }
        else if (name.Contains("ffn_down", StringComparison.Ordinal))
        {
            // Routed and adjugate down projections alike (llama.cpp matches "ffn_down" in the name).
            type = Kind switch
            {
                KQuantKind.Q2_K => GgmlType.Q3_K,
                KQuantKind.Q3_K_M => layer < layers / 16 ? GgmlType.Q5_K : GgmlType.Q4_K,
                KQuantKind.Q4_K_M or KQuantKind.Q5_K_M when MoreBits(layer, layers) => GgmlType.Q6_K,
                KQuantKind.IQ4_XS or KQuantKind.Q4_K_S when layer < layers / 8 => GgmlType.Q5_K,
                _ => type,
            };
        }
        else if (name.Contains("attn_output.weight", StringComparison.Ordinal))
        {
            type = Kind switch
            {
                KQuantKind.Q2_K => GgmlType.Q3_K,
                KQuantKind.Q3_K_M => GgmlType.Q4_K,
                _ => type,
            };
        }
        return Fallback(type, rowLength);
    }

    /// <summary>llama.cpp's tensor_type_fallback: the nearest 32-block type, or F16 when even 32 does not divide the row.</summary>
    public static GgmlType Fallback(GgmlType type, long rowLength)
    {
        if (rowLength % GgmlTypeInfo.BlockSize(type) == 0) return type;
        var fallback = type switch
        {
            GgmlType.IQ4_XS => GgmlType.IQ4_NL,
            GgmlType.Q2_K or GgmlType.Q3_K => GgmlType.Q4_0,
            GgmlType.Q4_K => GgmlType.Q5_0,
            GgmlType.Q5_K => GgmlType.Q5_1,
            GgmlType.Q6_K => GgmlType.Q8_0,
            _ => type,
        };
        return rowLength % GgmlTypeInfo.BlockSize(fallback) == 0 ? fallback : GgmlType.F16;
    }

    private static int LayerOf(string name)
    {
        if (!name.StartsWith("blk.", StringComparison.Ordinal)) return 0;
        int end = name.IndexOf('.', 4);
        return end > 4 && int.TryParse(name.AsSpan(4, end - 4), out int layer) ? layer : 0;
    }
}
