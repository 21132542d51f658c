using GroveMoE.Cpu.Gguf;

namespace GroveMoE.Quantizer.Conversion;

/// <summary>Everything a GGUF to be written needs: its metadata and its tensors in file order.</summary>
public sealed record ConversionPlan(GgufMetadata Metadata, IReadOnlyList<OutputTensor> Tensors)
{
    /// <summary>Input tensors that are not part of the model and are left out (with the reason).</summary>
    public IReadOnlyList<string> Skipped { get; init; } = [];

    public long OutputDataBytes => Tensors.Sum(t => t.RowBytes * t.RowCount);
}
