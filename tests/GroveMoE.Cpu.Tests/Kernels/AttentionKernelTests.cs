using GroveMoE.Cpu.Kernels;
using GroveMoE.Cpu.Kernels.Attention;
using GroveMoE.Cpu.Model;

namespace GroveMoE.Cpu.Tests.Kernels;

/// <summary>
/// The tiled attention (<see cref="AttentionWork"/> over <see cref="AttentionKernel"/>) on every ISA path against a
/// plain float64 softmax attention over the keys and values as the cache holds them (rounded to f16 for an F16 cache).
/// Shapes cover GroveMoE's (32 query heads on 4 KV heads of 128), groups shorter than eight, one KV head per query
/// head and a head size that is no multiple of a vector; rows cover decode, prompts across tile boundaries and a
/// batch of two sequences.
/// </summary>
public sealed class AttentionKernelTests
{
    public enum Rows { Decode, Prompt, Chunk, TwoSequences }

    public static TheoryData<int, int, int, Rows, KvCacheType> Cases()
    {
        var data = new TheoryData<int, int, int, Rows, KvCacheType>();
        foreach (var type in new[] { KvCacheType.F32, KvCacheType.F16 })
        {
            foreach (var rows in Enum.GetValues<Rows>()) data.Add(32, 4, 128, rows, type);
            data.Add(8, 2, 64, Rows.Prompt, type);
            data.Add(4, 4, 40, Rows.Chunk, type);
            data.Add(12, 1, 24, Rows.TwoSequences, type);
        }
        return data;
    }

    [Theory, MemberData(nameof(Cases))]
    public void Scalar(int heads, int kvHeads, int headDim, Rows rows, KvCacheType type) => Check(KernelPath.Scalar, heads, kvHeads, headDim, rows, type);

    [KernelPathTheory(KernelPath.Vector256), MemberData(nameof(Cases))]
    public void Vector256(int heads, int kvHeads, int headDim, Rows rows, KvCacheType type) => Check(KernelPath.Vector256, heads, kvHeads, headDim, rows, type);

    [KernelPathTheory(KernelPath.Vector512), MemberData(nameof(Cases))]
    public void Vector512(int heads, int kvHeads, int headDim, Rows rows, KvCacheType type) => Check(KernelPath.Vector512, heads, kvHeads, headDim, rows, type);

    private static void Check(KernelPath path, int heads, int kvHeads, int headDim, Rows rows, KvCacheType type)
    {
        var random = new Random(HashCode.Combine(path, heads, kvHeads, headDim, rows, type));
        var config = new GroveConfig { Layers = 2, Hidden = 64, Heads = heads, KvHeads = kvHeads, HeadDim = headDim, Vocab = 16 };
        const int capacity = 150, layer = 1;
        var caches = new[] { new KvCache(config, capacity, type), new KvCache(config, capacity, type) };
        // Keys and values as the cache rounds them: position p of sequence s.
        var stored = new float[2][][];
        var (keys, values) = (new float[2][][], new float[2][][]);
        for (int s = 0; s < 2; s++)
        {
            (keys[s], values[s]) = (new float[capacity][], new float[capacity][]);
            for (int p = 0; p < capacity; p++)
            {
                // Keys with a wide spread make some tiles' maxima jump, which exercises the running rescale.
                keys[s][p] = Random(random, config.KvDim, p % 37 == 5 ? 6f : 1.5f);
                values[s][p] = Random(random, config.KvDim, 1f);
                caches[s].Store(layer, p, keys[s][p], values[s][p]);
                if (type == KvCacheType.F16)
                {
                    keys[s][p] = keys[s][p].Select(x => (float)(Half)x).ToArray();
                    values[s][p] = values[s][p].Select(x => (float)(Half)x).ToArray();
                }
            }
        }

        var batch = new SequenceBatch(80, 2);
        batch.Caches[0] = caches[0];
        batch.Caches[1] = caches[1];
        switch (rows)
        {
            case Rows.Decode: batch.Add(0, 137, 0, true); break;
            case Rows.Prompt: for (int p = 0; p < 70; p++) batch.Add(0, p, 0, false); break;
            case Rows.Chunk: for (int p = 45; p < 58; p++) batch.Add(0, p, 0, false); break;
            case Rows.TwoSequences:
                for (int p = 90; p < 99; p++) batch.Add(0, p, 0, false);
                batch.Add(0, 33, 1, true);
                batch.Add(0, 149, 1, true);
                break;
        }
        var queries = Random(random, batch.Count * config.QueryDim, 1.5f);
        var output = new BatchInput(batch.Count, config.QueryDim);
        output.Reshape(batch.Count, config.QueryDim);

        using var pool = new WorkerPool(2);
        var work = new AttentionWork(config, batch.Count, pool.ThreadCount) { Path = path };
        work.Run(pool, batch, layer, queries, output);

        double scale = 1 / Math.Sqrt(headDim);
        int group = heads / kvHeads;
        for (int t = 0; t < batch.Count; t++)
        {
            int s = batch.Sequences[t], positions = batch.Positions[t] + 1;
            for (int h = 0; h < heads; h++)
            {
                int kv = h / group * headDim, q = t * config.QueryDim + h * headDim;
                var weights = new double[positions];
                for (int p = 0; p < positions; p++)
                {
                    double dot = 0;
                    for (int d = 0; d < headDim; d++) dot += (double)queries[q + d] * keys[s][p][kv + d];
                    weights[p] = dot * scale;
                }
                double max = weights.Max(), sum = 0;
                for (int p = 0; p < positions; p++) sum += weights[p] = Math.Exp(weights[p] - max);
                for (int d = 0; d < headDim; d++)
                {
                    double expected = 0, magnitude = 0;
                    for (int p = 0; p < positions; p++)
                    {
                        expected += weights[p] / sum * values[s][p][kv + d];
                        magnitude += weights[p] / sum * Math.Abs(values[s][p][kv + d]);
                    }
                    double actual = output.Row(t)[h * headDim + d];
                    Assert.True(Math.Abs(actual - expected) <= 1e-5 * magnitude + 1e-6,
                        $"{path} row {t} (position {positions - 1}) head {h} dim {d}: {actual} vs {expected}");
                }
            }
        }
    }

    private static float[] Random(Random random, int length, float spread) =>
        Enumerable.Range(0, length).Select(_ => (float)(random.NextDouble() * 2 - 1) * spread).ToArray();
}
