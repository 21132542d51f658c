using GroveMoE.Cpu.Gguf;

namespace GroveMoE.Cpu.Tests.Reference;

/// <summary>
/// A GroveMoE GGUF read into float64 matrices by tensor name and metadata key exactly as grovemoe-spec.md
/// lists them. It uses the library only to locate tensors and metadata in the file.
/// </summary>
public sealed class ReferenceModel
{
    private const string P = "grovemoe.";

    public int Layers, Hidden, Heads, KvHeads, HeadDim, Experts, ExpertsUsed, ExpertWidth, AdjugateWidth, ExpertsPerGroup, Vocab;
    public double Epsilon, RopeBase, GroupScale;

    public required ReferenceMatrix Embedding, Output;
    public required double[] OutputNorm;
    public required ReferenceLayer[] Blocks;

    public int Groups => Experts / ExpertsPerGroup;

    public static ReferenceModel Load(string path)
    {
        using var file = GgufFile.Open(path);
        var m = file.Metadata;
        if (m.GetString("general.architecture") != "grovemoe") throw new InvalidDataException("not a grovemoe file");
        int Int(string key) => Convert.ToInt32(m[P + key].Value);
        double Real(string key) => Convert.ToDouble(m[P + key].Value);

        var embedding = Matrix(file, "token_embd.weight");
        int layers = Int("block_count");
        var blocks = new ReferenceLayer[layers];
        for (int l = 0; l < layers; l++)
        {
            string b = $"blk.{l}.";
            blocks[l] = new ReferenceLayer
            {
                AttnNorm = Vector(file, b + "attn_norm.weight"),
                Q = Matrix(file, b + "attn_q.weight"),
                K = Matrix(file, b + "attn_k.weight"),
                V = Matrix(file, b + "attn_v.weight"),
                O = Matrix(file, b + "attn_output.weight"),
                QNorm = Vector(file, b + "attn_q_norm.weight"),
                KNorm = Vector(file, b + "attn_k_norm.weight"),
                FfnNorm = Vector(file, b + "ffn_norm.weight"),
                Router = Matrix(file, b + "ffn_gate_inp.weight"),
                Gate = Stack(file, b + "ffn_gate_exps.weight"),
                Up = Stack(file, b + "ffn_up_exps.weight"),
                Down = Stack(file, b + "ffn_down_exps.weight"),
                AdjGate = Stack(file, b + "ffn_gate_chexps.weight"),
                AdjUp = Stack(file, b + "ffn_up_chexps.weight"),
                AdjDown = Stack(file, b + "ffn_down_chexps.weight"),
            };
        }
        return new ReferenceModel
        {
            Layers = layers,
            Hidden = Int("embedding_length"),
            Heads = Int("attention.head_count"),
            KvHeads = Int("attention.head_count_kv"),
            HeadDim = Int("attention.key_length"),
            Experts = Int("expert_count"),
            ExpertsUsed = Int("expert_used_count"),
            ExpertWidth = Int("expert_feed_forward_length"),
            AdjugateWidth = Int("expert_chunk_feed_forward_length"),
            ExpertsPerGroup = Int("experts_per_group"),
            Epsilon = Real("attention.layer_norm_rms_epsilon"),
            RopeBase = Real("rope.freq_base"),
            GroupScale = Real("expert_group_scale"),
            Vocab = embedding.Rows,
            Embedding = embedding,
            Output = file.HasTensor("output.weight") ? Matrix(file, "output.weight") : embedding,
            OutputNorm = Vector(file, "output_norm.weight"),
            Blocks = blocks,
        };
    }

    private static double[] Vector(GgufFile file, string name)
    {
        var t = file.Tensor(name);
        return ReferenceDequantizer.Row(t.Type, t.Bytes, (int)t.Dimensions[0]);
    }

    /// <summary>A 2-D ggml tensor {columns, rows}: rows are stored one after another.</summary>
    private static ReferenceMatrix Matrix(GgufFile file, string name)
    {
        var t = file.Tensor(name);
        int columns = (int)t.Dimensions[0], rows = (int)t.Dimensions[1];
        return new ReferenceMatrix(t.Type, rows, columns, ReferenceDequantizer.Row(t.Type, t.Bytes, rows * columns));
    }

    /// <summary>A 3-D ggml tensor {columns, rows, experts}: one matrix per expert, expert-major.</summary>
    private static ReferenceMatrix[] Stack(GgufFile file, string name)
    {
        var t = file.Tensor(name);
        int columns = (int)t.Dimensions[0], rows = (int)t.Dimensions[1], count = (int)t.Dimensions[2];
        var all = ReferenceDequantizer.Row(t.Type, t.Bytes, rows * columns * count);
        return Enumerable.Range(0, count)
            .Select(e => new ReferenceMatrix(t.Type, rows, columns, all.AsSpan(e * rows * columns, rows * columns).ToArray()))
            .ToArray();
    }
}

public sealed class ReferenceLayer
{
    public required double[] AttnNorm, QNorm, KNorm, FfnNorm;
    public required ReferenceMatrix Q, K, V, O, Router;
    public required ReferenceMatrix[] Gate, Up, Down, AdjGate, AdjUp, AdjDown;
}
