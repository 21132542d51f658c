using GroveMoE.Cpu.Model;
namespace GroveMoE.Cpu.Conversion.HuggingFace;

/// <summary>A GGUF tensor and the Hugging Face tensors it is made of: one, or one per expert stacked in order.</summary>
/// <param name="GgufName">The GGUF tensor's name (<see cref="TensorNames"/>).</param>
/// <param name="GgufDimensions">Its ggml shape, innermost dimension first.</param>
/// <param name="HfNames">The Hugging Face tensors it is made of, in the order they are stacked.</param>
public sealed record HfTensorMapping(string GgufName, long[] GgufDimensions, IReadOnlyList<string> HfNames)
{
    /// <summary>Elements in one ggml row, the HF tensors' last dimension (HF stores linear weights [out, in]).</summary>
    public long RowLength => GgufDimensions[0];

    /// <summary>PyTorch shape of each HF tensor: the ggml shape reversed, without the expert dimension when stacked.</summary>
    public long[] HfShape => (HfNames.Count > 1 ? GgufDimensions[..^1] : GgufDimensions).Reverse().ToArray();

    /// <summary>Elements in each HF tensor.</summary>
    public long HfElementCount => HfShape.Aggregate(1L, (a, b) => a * b);
}

/// <summary>
/// Which Hugging Face GroveMoE tensors make each GGUF tensor, in the order llama.cpp's converter stacks them:
/// <c>mlp.experts.E.*</c> become <c>*_exps</c> and <c>mlp.chunk_experts.G.*</c> become <c>*_chexps</c>.
/// </summary>
public static class HfCheckpointLayout
{
    /// <summary>Every GGUF tensor of a GroveMoE with <paramref name="c"/>'s hyperparameters, in file order, with its HF sources.</summary>
    /// <param name="tiedEmbeddings">the checkpoint has no <c>lm_head.weight</c> (config.json's <c>tie_word_embeddings</c>), so no output tensor is planned</param>
    public static List<HfTensorMapping> Mappings(GroveConfig c, bool tiedEmbeddings)
    {
        var list = new List<HfTensorMapping>
        {
            One(TensorNames.TokenEmbedding, [c.Hidden, c.Vocab], "model.embed_tokens.weight"),
            One(TensorNames.OutputNorm, [c.Hidden], "model.norm.weight"),
        };
        if (!tiedEmbeddings) list.Add(One(TensorNames.Output, [c.Hidden, c.Vocab], "lm_head.weight"));
        for (int l = 0; l < c.Layers; l++)
        {
            string p = $"model.layers.{l}.";
            list.Add(One(TensorNames.AttnNorm(l), [c.Hidden], p + "input_layernorm.weight"));
            list.Add(One(TensorNames.AttnQ(l), [c.Hidden, c.QueryDim], p + "self_attn.q_proj.weight"));
            list.Add(One(TensorNames.AttnK(l), [c.Hidden, c.KvDim], p + "self_attn.k_proj.weight"));
            list.Add(One(TensorNames.AttnV(l), [c.Hidden, c.KvDim], p + "self_attn.v_proj.weight"));
            list.Add(One(TensorNames.AttnOutput(l), [c.QueryDim, c.Hidden], p + "self_attn.o_proj.weight"));
            list.Add(One(TensorNames.AttnQNorm(l), [c.HeadDim], p + "self_attn.q_norm.weight"));
            list.Add(One(TensorNames.AttnKNorm(l), [c.HeadDim], p + "self_attn.k_norm.weight"));
            list.Add(One(TensorNames.FfnNorm(l), [c.Hidden], p + "post_attention_layernorm.weight"));
            list.Add(One(TensorNames.Router(l), [c.Hidden, c.Experts], p + "mlp.gate.weight"));
            list.Add(Stacked(TensorNames.GateExperts(l), [c.Hidden, c.ExpertWidth, c.Experts], p + "mlp.experts", "gate_proj"));
            list.Add(Stacked(TensorNames.UpExperts(l), [c.Hidden, c.ExpertWidth, c.Experts], p + "mlp.experts", "up_proj"));
            list.Add(Stacked(TensorNames.DownExperts(l), [c.ExpertWidth, c.Hidden, c.Experts], p + "mlp.experts", "down_proj"));
            list.Add(Stacked(TensorNames.GateAdjugates(l), [c.Hidden, c.AdjugateWidth, c.Groups], p + "mlp.chunk_experts", "gate_proj"));
            list.Add(Stacked(TensorNames.UpAdjugates(l), [c.Hidden, c.AdjugateWidth, c.Groups], p + "mlp.chunk_experts", "up_proj"));
            list.Add(Stacked(TensorNames.DownAdjugates(l), [c.AdjugateWidth, c.Hidden, c.Groups], p + "mlp.chunk_experts", "down_proj"));
        }
        return list;
    }

    /// <summary>The per-layer HF tensor the converter drops: <c>mlp.expert_bias</c> is all zeros and unused by the model.</summary>
    public static string ExpertBias(int layer) => $"model.layers.{layer}.mlp.expert_bias";

    private static HfTensorMapping One(string gguf, long[] dims, string hf) => new(gguf, dims, [hf]);

    private static HfTensorMapping Stacked(string gguf, long[] dims, string family, string projection) =>
        new(gguf, dims, Enumerable.Range(0, (int)dims[^1]).Select(e => $"{family}.{e}.{projection}.weight").ToArray());
}
