namespace GroveMoE.Cpu.Model;

/// <summary>
/// GroveMoE routing for one token: the top-k experts by sigmoid(logit) (ties go to the lower index), weighted
/// by their softmax probabilities renormalised over the selected experts; and the adjugate groups those
/// experts fall in, each weighted by the sum of its selected experts' weights.
/// </summary>
internal static class ExpertRouter
{
    /// <summary>Fills <paramref name="selected"/> (k expert indices, best first) and their <paramref name="weights"/>.</summary>
    public static void Select(ReadOnlySpan<float> logits, Span<int> selected, Span<float> weights)
    {
        int k = selected.Length;
        int count = 0;
        for (int e = 0; e < logits.Length; e++)
        {
            float score = Sigmoid(logits[e]);
            if (count == k && score <= Sigmoid(logits[selected[k - 1]])) continue;
            int pos = Math.Min(count, k - 1);
            // Strictly greater moves up, so an equal score stays behind the lower index already placed.
            while (pos > 0 && score > Sigmoid(logits[selected[pos - 1]]))
            {
                selected[pos] = selected[pos - 1];
                pos--;
            }
            selected[pos] = e;
            if (count < k) count++;
        }

        float max = float.NegativeInfinity;
        foreach (int e in selected) max = MathF.Max(max, logits[e]);
        float sum = 0;
        for (int i = 0; i < k; i++)
        {
            weights[i] = MathF.Exp(logits[selected[i]] - max);
            sum += weights[i];
        }
        for (int i = 0; i < k; i++) weights[i] /= sum;
    }

    /// <summary>
    /// Writes the distinct groups of the selected experts (in order of first appearance) with their summed
    /// weights, and returns how many there are.
    /// </summary>
    public static int Groups(ReadOnlySpan<int> selected, ReadOnlySpan<float> weights, int expertsPerGroup,
        Span<int> groups, Span<float> groupWeights)
    {
        int count = 0;
        for (int i = 0; i < selected.Length; i++)
        {
            int g = selected[i] / expertsPerGroup;
            int at = groups[..count].IndexOf(g);
            if (at < 0)
            {
                at = count++;
                groups[at] = g;
                groupWeights[at] = 0;
            }
            groupWeights[at] += weights[i];
        }
        return count;
    }

    private static float Sigmoid(float x) => 1f / (1f + MathF.Exp(-x));
}
