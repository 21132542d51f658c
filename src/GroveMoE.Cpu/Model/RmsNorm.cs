using System.Numerics.Tensors;

namespace GroveMoE.Cpu.Model;

internal static class RmsNorm
{
    /// <summary>output = x / sqrt(mean(x²) + eps) * weight.</summary>
    public static void Apply(ReadOnlySpan<float> x, ReadOnlySpan<float> weight, float eps, Span<float> output)
    {
        float scale = 1f / MathF.Sqrt(TensorPrimitives.SumOfSquares(x) / x.Length + eps);
        TensorPrimitives.Multiply(x, scale, output);
        TensorPrimitives.Multiply(output, weight, output);
    }
}
