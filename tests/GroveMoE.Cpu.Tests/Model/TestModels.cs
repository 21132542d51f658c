using GroveMoE.Cpu.Model;
using GroveMoE.Cpu.Conversion.Synthetic;
using GroveMoE.Cpu.Quantization;

namespace GroveMoE.Cpu.Tests.Model;

/// <summary>Tiny random GroveMoE files for tests: every structural feature, a few thousand parameters per tensor.</summary>
public static class TestModels
{
    /// <summary>
    /// A small configuration drawn from <paramref name="seed"/>: 1-3 layers, 1-2 KV heads shared by 1, 2 or 4 query
    /// heads, 2-4 groups of 2 or 4 experts, 1-6 experts per token. Every matmul input is a whole number of 32-blocks.
    /// </summary>
    public static GroveConfig RandomConfig(int seed)
    {
        var random = new Random(seed);
        int kvHeads = random.Next(1, 3);
        int heads = kvHeads * new[] { 1, 2, 4 }[random.Next(3)];
        int headDim = heads % 2 == 0 && random.Next(2) == 0 ? 16 : 32;
        int perGroup = random.Next(2) == 0 ? 2 : 4;
        int experts = perGroup * random.Next(2, 5);
        return new GroveConfig
        {
            Layers = random.Next(1, 4),
            Hidden = 32 * random.Next(2, 4),
            Heads = heads,
            KvHeads = kvHeads,
            HeadDim = headDim,
            RmsEpsilon = 1e-6f,
            RopeBase = random.Next(2) == 0 ? 1e6f : 1e4f,
            ContextLength = 64,
            Experts = experts,
            ExpertsUsed = random.Next(1, Math.Min(experts, 6) + 1),
            ExpertWidth = 32 * random.Next(1, 3),
            AdjugateWidth = 32,
            ExpertsPerGroup = perGroup,
            GroupScale = 0.05f,
            Vocab = random.Next(40, 160),
        };
    }

    public static string Write(string directory, GroveConfig config, GgmlType type, GgmlType? expertType = null,
        bool tied = false, ulong seed = 1)
    {
        string path = Path.Combine(directory, $"model-{Guid.NewGuid():N}.gguf");
        SyntheticModelWriter.Write(path, new SyntheticModelOptions(config, type, seed) { ExpertType = expertType, TiedEmbeddings = tied });
        return path;
    }

    /// <summary>A prompt of <paramref name="length"/> random token ids below <paramref name="vocab"/>.</summary>
    public static int[] Prompt(int seed, int length, int vocab)
    {
        var random = new Random(seed * 7919 + 1);
        return Enumerable.Range(0, length).Select(_ => random.Next(vocab)).ToArray();
    }

    /// <summary>Production logits of every position of <paramref name="tokens"/> evaluated as one batch.</summary>
    public static float[] ProductionLogits(string path, int[] tokens, int threads = 2, bool repack = true)
    {
        using var model = GroveModel.Load(path, repack);
        using var forward = new GroveForward(model, tokens.Length, threads);
        var logits = new float[tokens.Length * model.Config.Vocab];
        forward.Evaluate(tokens, logits, allPositions: true);
        return logits;
    }
}

/// <summary>A temporary folder deleted with everything in it on dispose.</summary>
public sealed class TempDirectory : IDisposable
{
    public string Path { get; } = Directory.CreateTempSubdirectory("grove-tests-").FullName;

    public string File(string name) => System.IO.Path.Combine(Path, name);

    public void Dispose()
    {
        try { Directory.Delete(Path, recursive: true); }
        catch (IOException) { }
    }
}
