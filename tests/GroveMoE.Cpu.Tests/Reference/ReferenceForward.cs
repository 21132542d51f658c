namespace GroveMoE.Cpu.Tests.Reference;

/// <summary>What the reference computed for a prompt: logits per position and the routing it chose.</summary>
public sealed record ReferenceResult(double[][] Logits, int[][][] Selected, int[][] DistinctGroups)
{
    /// <summary>Adjugate expert runs over all positions and layers: one per distinct selected group.</summary>
    public long AdjugateRuns => DistinctGroups.Sum(perLayer => (long)perLayer.Sum());
}

/// <summary>
/// The GroveMoE forward pass of grovemoe-spec.md in plain float64 loops, one token after another, following the
/// spec's pseudo-code line by line. Slow and obvious on purpose: it is what the production kernels are checked against.
/// </summary>
public static class ReferenceForward
{
    public static ReferenceResult Run(ReferenceModel m, IReadOnlyList<int> tokens, ReferenceVariant? variant = null)
    {
        variant ??= ReferenceVariant.Faithful;
        var keys = new List<double[]>[m.Layers];
        var values = new List<double[]>[m.Layers];
        for (int l = 0; l < m.Layers; l++) { keys[l] = []; values[l] = []; }

        var logits = new double[tokens.Count][];
        var selected = new int[tokens.Count][][];
        var groups = new int[tokens.Count][];
        for (int pos = 0; pos < tokens.Count; pos++)
        {
            selected[pos] = new int[m.Layers][];
            groups[pos] = new int[m.Layers];
            var x = m.Embedding.Row(tokens[pos]);
            for (int l = 0; l < m.Layers; l++)
            {
                var w = m.Blocks[l];
                var h = Multiply(RmsNorm(x, m.Epsilon), w.AttnNorm);
                var a = Attention(m, w, h, pos, keys[l], values[l], variant);
                x = Add(x, MatVec(w.O, a, variant));

                h = Multiply(RmsNorm(x, m.Epsilon), w.FfnNorm);
                var (y, chosen, distinct) = MixtureOfExperts(m, w, h, variant);
                selected[pos][l] = chosen;
                groups[pos][l] = distinct;
                x = Add(x, y);
            }
            logits[pos] = MatVec(m.Output, Multiply(RmsNorm(x, m.Epsilon), m.OutputNorm), variant);
        }
        return new ReferenceResult(logits, selected, groups);
    }

    private static double[] Attention(ReferenceModel m, ReferenceLayer w, double[] h, int pos,
        List<double[]> keyCache, List<double[]> valueCache, ReferenceVariant variant)
    {
        int hd = m.HeadDim;
        var q = MatVec(w.Q, h, variant);
        var k = MatVec(w.K, h, variant);
        var v = MatVec(w.V, h, variant);
        for (int head = 0; head < m.Heads; head++) NormAndRotate(q, head * hd, hd, w.QNorm, pos, m);
        for (int head = 0; head < m.KvHeads; head++) NormAndRotate(k, head * hd, hd, w.KNorm, pos, m);
        keyCache.Add(k);
        valueCache.Add(v);

        var output = new double[m.Heads * hd];
        int queriesPerKv = m.Heads / m.KvHeads;
        for (int head = 0; head < m.Heads; head++)
        {
            int kvHead = head / queriesPerKv;
            var scores = new double[pos + 1];
            for (int t = 0; t <= pos; t++)
            {
                double dot = 0;
                for (int i = 0; i < hd; i++) dot += q[head * hd + i] * keyCache[t][kvHead * hd + i];
                scores[t] = dot / Math.Sqrt(hd);
            }
            var p = Softmax(scores);
            for (int t = 0; t <= pos; t++)
                for (int i = 0; i < hd; i++) output[head * hd + i] += p[t] * valueCache[t][kvHead * hd + i];
        }
        return output;
    }

    /// <summary>Per-head RMSNorm times its weight, then NeoX RoPE: element i pairs with element i + hd/2.</summary>
    private static void NormAndRotate(double[] vector, int start, int hd, double[] norm, int pos, ReferenceModel m)
    {
        var head = Multiply(RmsNorm(vector.AsSpan(start, hd).ToArray(), m.Epsilon), norm);
        int half = hd / 2;
        for (int i = 0; i < half; i++)
        {
            double angle = pos * Math.Pow(m.RopeBase, -2.0 * i / hd);
            double x0 = head[i], x1 = head[i + half];
            vector[start + i] = x0 * Math.Cos(angle) - x1 * Math.Sin(angle);
            vector[start + i + half] = x0 * Math.Sin(angle) + x1 * Math.Cos(angle);
        }
    }

    private static (double[] Y, int[] Selected, int DistinctGroups) MixtureOfExperts(
        ReferenceModel m, ReferenceLayer w, double[] h, ReferenceVariant variant)
    {
        var r = w.Router.Times(h); // the router stays F32, so no matmul kernel rounds its input
        var sigmoid = r.Select(v => 1 / (1 + Math.Exp(-v))).ToArray();
        // Largest sigmoid first; equal values keep the lower expert index first.
        int[] s = Enumerable.Range(0, m.Experts).OrderByDescending(e => sigmoid[e]).ThenBy(e => e).Take(m.ExpertsUsed).ToArray();
        var p = Softmax(r);
        double selectedMass = s.Sum(e => p[e]);

        var y = new double[m.Hidden];
        foreach (int e in s)
            y = Add(y, Scale(SwiGlu(w.Gate[e], w.Up[e], w.Down[e], h, variant), p[e] / selectedMass));

        var adjugateInput = variant.AdjugatesReadRoutedOutput ? y : h;
        var distinct = s.Select(e => e / m.ExpertsPerGroup).Distinct().Order().ToArray();
        var adjugate = new double[m.Hidden];
        foreach (int g in distinct)
        {
            // The authors weight group g by the summed weights of its selected experts. llama.cpp's gather reads the
            // (renormalised) probability at index g instead, as if g were an expert number.
            double weight = variant.AdjugateWeightAtGroupIndex
                ? p[g] / selectedMass
                : s.Where(e => e / m.ExpertsPerGroup == g).Sum(e => p[e] / selectedMass);
            adjugate = Add(adjugate, Scale(SwiGlu(w.AdjGate[g], w.AdjUp[g], w.AdjDown[g], adjugateInput, variant), weight));
        }
        y = Add(y, Scale(adjugate, m.GroupScale));
        return (y, s, distinct.Length);
    }

    private static double[] SwiGlu(ReferenceMatrix gate, ReferenceMatrix up, ReferenceMatrix down, double[] h, ReferenceVariant variant)
    {
        var g = MatVec(gate, h, variant);
        var u = MatVec(up, h, variant);
        var act = new double[g.Length];
        for (int i = 0; i < g.Length; i++) act[i] = g[i] / (1 + Math.Exp(-g[i])) * u[i];
        return MatVec(down, act, variant);
    }

    private static double[] MatVec(ReferenceMatrix w, double[] x, ReferenceVariant variant) => w.Times(
        variant.ActivationRounding is { } round ? round(w.Type, x)
        : variant.RoundActivationsToQ8 && w.IsBlockQuantized ? ReferenceActivationRounding.RoundToQ8(x)
        : x);

    private static double[] RmsNorm(double[] x, double eps)
    {
        double mean = x.Sum(v => v * v) / x.Length;
        double inv = 1 / Math.Sqrt(mean + eps);
        return x.Select(v => v * inv).ToArray();
    }

    private static double[] Softmax(double[] x)
    {
        double max = x.Max();
        var e = x.Select(v => Math.Exp(v - max)).ToArray();
        double sum = e.Sum();
        return e.Select(v => v / sum).ToArray();
    }

    private static double[] Multiply(double[] a, double[] b) => a.Zip(b, (u, v) => u * v).ToArray();

    private static double[] Add(double[] a, double[] b) => a.Zip(b, (u, v) => u + v).ToArray();

    private static double[] Scale(double[] a, double s) => a.Select(v => v * s).ToArray();
}
