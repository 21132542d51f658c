namespace GroveMoE.Quantizer.Conversion;

/// <summary>
/// What <c>--type</c> names: one ggml type for every weight matrix, <see cref="Mixed"/>, or one of llama-quantize's
/// K-quant mixtures (<see cref="KQuantMixture"/>). The command line spells them in lower case.
/// </summary>
public enum QuantizationType
{
    /// <summary>llama-quantize's Q4_K_M mixture.</summary>
    Q4_K_M,
    /// <summary>llama-quantize's Q4_K_S mixture.</summary>
    Q4_K_S,
    /// <summary>llama-quantize's Q5_K_M mixture.</summary>
    Q5_K_M,
    /// <summary>llama-quantize's Q5_K_S mixture.</summary>
    Q5_K_S,
    /// <summary>llama-quantize's Q6_K mixture.</summary>
    Q6_K,
    /// <summary>llama-quantize's Q3_K_M mixture.</summary>
    Q3_K_M,
    /// <summary>llama-quantize's Q2_K mixture.</summary>
    Q2_K,
    /// <summary>llama-quantize's IQ4_XS mixture.</summary>
    IQ4_XS,
    /// <summary>Every matrix Q4_0.</summary>
    Q4_0,
    /// <summary>Every matrix Q8_0.</summary>
    Q8_0,
    /// <summary>Every matrix F16.</summary>
    F16,
    /// <summary>Every matrix BF16.</summary>
    BF16,
    /// <summary>Every matrix F32.</summary>
    F32,
    /// <summary>Routed and adjugate experts Q4_0; attention, output and token embedding Q8_0.</summary>
    Mixed,
}
