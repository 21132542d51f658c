namespace GroveMoE.Cpu.Model;

/// <summary>GGUF tensor names of the GroveMoE graph, as llama.cpp's converter writes them.</summary>
internal static class TensorNames
{
    public const string TokenEmbedding = "token_embd.weight";
    public const string OutputNorm = "output_norm.weight";
    public const string Output = "output.weight";

    public static string AttnNorm(int layer) => $"blk.{layer}.attn_norm.weight";
    public static string AttnQ(int layer) => $"blk.{layer}.attn_q.weight";
    public static string AttnK(int layer) => $"blk.{layer}.attn_k.weight";
    public static string AttnV(int layer) => $"blk.{layer}.attn_v.weight";
    public static string AttnOutput(int layer) => $"blk.{layer}.attn_output.weight";
    public static string AttnQNorm(int layer) => $"blk.{layer}.attn_q_norm.weight";
    public static string AttnKNorm(int layer) => $"blk.{layer}.attn_k_norm.weight";
    public static string FfnNorm(int layer) => $"blk.{layer}.ffn_norm.weight";
    public static string Router(int layer) => $"blk.{layer}.ffn_gate_inp.weight";
    public static string GateExperts(int layer) => $"blk.{layer}.ffn_gate_exps.weight";
    public static string UpExperts(int layer) => $"blk.{layer}.ffn_up_exps.weight";
    public static string DownExperts(int layer) => $"blk.{layer}.ffn_down_exps.weight";
    public static string GateAdjugates(int layer) => $"blk.{layer}.ffn_gate_chexps.weight";
    public static string UpAdjugates(int layer) => $"blk.{layer}.ffn_up_chexps.weight";
    public static string DownAdjugates(int layer) => $"blk.{layer}.ffn_down_chexps.weight";
}
