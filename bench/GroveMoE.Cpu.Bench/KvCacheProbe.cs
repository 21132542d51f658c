using GroveMoE.Cpu.Model;

namespace GroveMoE.Cpu.Bench;

/// <summary>
/// <c>kv MODEL [TOKENS] [OTHER_MODEL]</c>: how far an F16 KV cache moves the logits from an F32 one over a long
/// context. The same random tokens go through MODEL with each cache type in chunks of 256; at the end of each chunk
/// the last position's distributions are compared (KL divergence, top-1 agreement, largest logit difference). With
/// OTHER_MODEL (say the Q8_0 file of the same weights), the same is printed for the two files with F32 caches, as
/// a scale: the error weight quantization already makes.
/// </summary>
public static class KvCacheProbe
{
    private const int Chunk = 256;

    public static void Run(string[] args)
    {
        string path = args[1];
        int tokens = args.Length > 2 ? int.Parse(args[2]) : 4096;
        using var model = GroveModel.Load(path);
        var random = new Random(7);
        var ids = Enumerable.Range(0, tokens).Select(_ => random.Next(model.Config.Vocab)).ToArray();
        var f32 = Logits(model, ids, KvCacheType.F32);
        Report("F16 KV vs F32 KV", f32, Logits(model, ids, KvCacheType.F16));
        if (args.Length > 3)
        {
            using var other = GroveModel.Load(args[3]);
            Report($"{Path.GetFileName(args[3])} vs {Path.GetFileName(path)} (F32 KV)", f32, Logits(other, ids, KvCacheType.F32));
        }
    }

    private static List<float[]> Logits(GroveModel model, int[] ids, KvCacheType type)
    {
        using var forward = new GroveForward(model, ids.Length, Environment.ProcessorCount, Chunk, type);
        var checkpoints = new List<float[]>();
        for (int start = 0; start < ids.Length; start += Chunk)
        {
            var logits = new float[model.Config.Vocab];
            forward.Evaluate(ids.AsSpan(start, Math.Min(Chunk, ids.Length - start)), logits);
            checkpoints.Add(logits);
        }
        return checkpoints;
    }

    private static void Report(string title, List<float[]> reference, List<float[]> other)
    {
        double klSum = 0, klMax = 0, worstLogit = 0;
        int agree = 0;
        for (int c = 0; c < reference.Count; c++)
        {
            var (p, q) = (Softmax(reference[c]), Softmax(other[c]));
            double kl = 0;
            for (int i = 0; i < p.Length; i++) if (p[i] > 0) kl += p[i] * Math.Log(p[i] / Math.Max(q[i], 1e-300));
            klSum += kl;
            klMax = Math.Max(klMax, kl);
            if (Array.IndexOf(reference[c], reference[c].Max()) == Array.IndexOf(other[c], other[c].Max())) agree++;
            double range = reference[c].Max() - reference[c].Min();
            for (int i = 0; i < p.Length; i++) worstLogit = Math.Max(worstLogit, Math.Abs(reference[c][i] - other[c][i]) / range);
        }
        Console.WriteLine($"{title}: {reference.Count} checkpoints every {Chunk} positions: mean KLD {klSum / reference.Count:E2}, "
            + $"max KLD {klMax:E2}, top-1 agreement {agree}/{reference.Count}, largest logit difference {worstLogit:E2} of the logit range");
    }

    private static double[] Softmax(float[] logits)
    {
        double max = logits.Max(), sum = 0;
        var p = logits.Select(x => Math.Exp(x - max)).ToArray();
        foreach (double x in p) sum += x;
        for (int i = 0; i < p.Length; i++) p[i] /= sum;
        return p;
    }
}
