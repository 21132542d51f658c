using GroveMoE.Cpu.Gguf;

namespace GroveMoE.Cpu.Model;

/// <summary>
/// Read-only views of one transformer block's weights as the file stores them (shapes already checked against
/// <see cref="GroveConfig"/>), for a backend that runs the block elsewhere (an <see cref="ILayerOffload"/>). Valid
/// while its <see cref="GroveModel"/> is open. Matrices are ggml {columns, rows}; expert stacks add a third dimension,
/// one matrix per expert (<see cref="GroveConfig.Experts"/>) or per adjugate group (<see cref="GroveConfig.Groups"/>).
/// </summary>
public sealed class LayerTensors
{
    private readonly LayerWeights _weights;

    internal LayerTensors(GgufFile file, LayerWeights weights, int layer)
    {
        _weights = weights;
        Q = file.Tensor(TensorNames.AttnQ(layer));
        K = file.Tensor(TensorNames.AttnK(layer));
        V = file.Tensor(TensorNames.AttnV(layer));
        O = file.Tensor(TensorNames.AttnOutput(layer));
        Router = file.Tensor(TensorNames.Router(layer));
        GateExperts = file.Tensor(TensorNames.GateExperts(layer));
        UpExperts = file.Tensor(TensorNames.UpExperts(layer));
        DownExperts = file.Tensor(TensorNames.DownExperts(layer));
        GateAdjugates = file.Tensor(TensorNames.GateAdjugates(layer));
        UpAdjugates = file.Tensor(TensorNames.UpAdjugates(layer));
        DownAdjugates = file.Tensor(TensorNames.DownAdjugates(layer));
    }

    /// <summary>RMS norm weight before attention, as float (hidden).</summary>
    public ReadOnlySpan<float> AttnNorm => _weights.AttnNorm;

    /// <summary>Per-head RMS norm weight of the queries, as float (head_dim).</summary>
    public ReadOnlySpan<float> QNorm => _weights.QNorm;

    /// <summary>Per-head RMS norm weight of the keys, as float (head_dim).</summary>
    public ReadOnlySpan<float> KNorm => _weights.KNorm;

    /// <summary>RMS norm weight before the mixture of experts, as float (hidden).</summary>
    public ReadOnlySpan<float> FfnNorm => _weights.FfnNorm;

    /// <summary>Query projection {hidden, query_dim}.</summary>
    public GgufTensor Q { get; }

    /// <summary>Key projection {hidden, kv_dim}.</summary>
    public GgufTensor K { get; }

    /// <summary>Value projection {hidden, kv_dim}.</summary>
    public GgufTensor V { get; }

    /// <summary>Attention output projection {query_dim, hidden}.</summary>
    public GgufTensor O { get; }

    /// <summary>Router {hidden, experts}.</summary>
    public GgufTensor Router { get; }

    /// <summary>Routed experts' gate projections {hidden, expert_width, experts}.</summary>
    public GgufTensor GateExperts { get; }

    /// <summary>Routed experts' up projections {hidden, expert_width, experts}.</summary>
    public GgufTensor UpExperts { get; }

    /// <summary>Routed experts' down projections {expert_width, hidden, experts}.</summary>
    public GgufTensor DownExperts { get; }

    /// <summary>Adjugate experts' gate projections {hidden, adjugate_width, groups}.</summary>
    public GgufTensor GateAdjugates { get; }

    /// <summary>Adjugate experts' up projections {hidden, adjugate_width, groups}.</summary>
    public GgufTensor UpAdjugates { get; }

    /// <summary>Adjugate experts' down projections {adjugate_width, hidden, groups}.</summary>
    public GgufTensor DownAdjugates { get; }
}
