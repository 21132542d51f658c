namespace GroveMoE.Cpu.Model;

/// <summary>GGUF tensor names of the GroveMoE graph, as llama.cpp's converter writes them; layers count from 0.</summary>
public static class TensorNames
{
    /// <summary>The token embedding {hidden, vocab}; also the output matrix when the file has no <see cref="Output"/>.</summary>
    public const string TokenEmbedding = "token_embd.weight";
    /// <summary>The final RMS norm weight {hidden}.</summary>
    public const string OutputNorm = "output_norm.weight";
    /// <summary>The output (logits) matrix {hidden, vocab}; absent when tied to the embedding.</summary>
    public const string Output = "output.weight";

    /// <summary>The RMS norm weight before attention {hidden}.</summary>
    public static string AttnNorm(int layer) => $"blk.{layer}.attn_norm.weight";
    /// <summary>The query projection {hidden, heads × head_dim}.</summary>
    public static string AttnQ(int layer) => $"blk.{layer}.attn_q.weight";
    /// <summary>The key projection {hidden, kv_heads × head_dim}.</summary>
    public static string AttnK(int layer) => $"blk.{layer}.attn_k.weight";
    /// <summary>The value projection {hidden, kv_heads × head_dim}.</summary>
    public static string AttnV(int layer) => $"blk.{layer}.attn_v.weight";
    /// <summary>The attention output projection {heads × head_dim, hidden}.</summary>
    public static string AttnOutput(int layer) => $"blk.{layer}.attn_output.weight";
    /// <summary>The per-head RMS norm weight of the queries {head_dim}.</summary>
    public static string AttnQNorm(int layer) => $"blk.{layer}.attn_q_norm.weight";
    /// <summary>The per-head RMS norm weight of the keys {head_dim}.</summary>
    public static string AttnKNorm(int layer) => $"blk.{layer}.attn_k_norm.weight";
    /// <summary>The RMS norm weight before the mixture of experts {hidden}.</summary>
    public static string FfnNorm(int layer) => $"blk.{layer}.ffn_norm.weight";
    /// <summary>The router {hidden, experts}.</summary>
    public static string Router(int layer) => $"blk.{layer}.ffn_gate_inp.weight";
    /// <summary>The routed experts' gate projections {hidden, expert_width, experts}.</summary>
    public static string GateExperts(int layer) => $"blk.{layer}.ffn_gate_exps.weight";
    /// <summary>The routed experts' up projections {hidden, expert_width, experts}.</summary>
    public static string UpExperts(int layer) => $"blk.{layer}.ffn_up_exps.weight";
    /// <summary>The routed experts' down projections {expert_width, hidden, experts}.</summary>
    public static string DownExperts(int layer) => $"blk.{layer}.ffn_down_exps.weight";
    /// <summary>The adjugate experts' gate projections {hidden, adjugate_width, groups}.</summary>
    public static string GateAdjugates(int layer) => $"blk.{layer}.ffn_gate_chexps.weight";
    /// <summary>The adjugate experts' up projections {hidden, adjugate_width, groups}.</summary>
    public static string UpAdjugates(int layer) => $"blk.{layer}.ffn_up_chexps.weight";
    /// <summary>The adjugate experts' down projections {adjugate_width, hidden, groups}.</summary>
    public static string DownAdjugates(int layer) => $"blk.{layer}.ffn_down_chexps.weight";
}
