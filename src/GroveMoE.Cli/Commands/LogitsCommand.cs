using System.CommandLine;
using GroveMoE.Cli.Gpu;
using GroveMoE.Cli.Output;
using GroveMoE.Cpu.CommandLine;
using GroveMoE.Cpu.Generation;
using GroveMoE.Cpu.Model;

namespace GroveMoE.Cli.Commands;

/// <summary><c>grove logits</c>: evaluates a token list as one prompt and writes every position's logits.</summary>
internal static class LogitsCommand
{
    public static Command Create()
    {
        var model = new ModelSource();
        var threads = ModelOptions.Threads();
        var tokens = new Option<int[]>("--tokens") { Description = "comma-separated token ids", Required = true }.CommaList(0, int.MaxValue, distinct: false);
        var output = new Option<FileInfo?>("--out", "-o", "--output") { Description = "write float32 logits (n_tokens, n_vocab) as .npy" };
        var gpuLayers = ModelOptions.GpuLayers();
        var gpuExperts = ModelOptions.GpuExperts();
        var noRepack = ModelOptions.NoRepack();
        var command = new Command("logits", "Evaluate tokens as one prompt; print the top-5 logits per position or save them all")
        {
            threads, tokens, output, gpuLayers, gpuExperts, noRepack,
        };
        model.AddTo(command);
        command.SetAction(async (parse, cancel) => Run(
            new FileInfo(await model.ResolveOrDemoAsync(parse, cancel)), parse.GetValue(threads), parse.GetRequiredValue(tokens), parse.GetValue(output),
            parse.GetValue(gpuLayers), parse.GetValue(gpuExperts), parse.GetValue(noRepack)));
        return command;
    }

    private static int Run(FileInfo modelFile, int threads, int[] tokens, FileInfo? output, int gpuLayers, GpuExpertsMode gpuExperts,
        bool noRepack)
    {
        using var model = GroveModel.Load(modelFile.FullName, repack: !noRepack);
        int vocab = model.Config.Vocab;
        if (tokens.FirstOrDefault(id => id >= vocab, -1) is var outside and >= 0)
            throw new UserInputException($"--tokens: token id {outside} is outside the vocabulary (0..{vocab - 1})");
        int context = Math.Max(tokens.Length, 1);
        int batch = new SessionOptions().BatchSize;
        using var offload = GpuOffloadSetup.Create(model, gpuLayers, gpuExperts, context, batch);
        using var forward = new GroveForward(model, context, threads, batch) { Offload = offload };
        var logits = new float[tokens.Length * vocab];
        forward.Evaluate(tokens, logits, allPositions: true);

        if (output is not null)
        {
            NpyWriter.WriteFloat32(output.FullName, logits, tokens.Length, vocab);
            StandardError.Line($"wrote {tokens.Length} x {vocab} logits to {output.FullName}");
            return 0;
        }
        for (int t = 0; t < tokens.Length; t++)
        {
            var row = new ArraySegment<float>(logits, t * vocab, vocab);
            var top = TopK(row, 5).Select(i => $"{i}:{row[i]:F4}");
            Console.WriteLine($"{t}\t{tokens[t]}\t{string.Join(' ', top)}");
        }
        return 0;
    }

    private static List<int> TopK(ArraySegment<float> row, int k)
    {
        var best = new List<int>(k + 1);
        for (int i = 0; i < row.Count; i++)
        {
            int at = best.Count;
            while (at > 0 && row[best[at - 1]] < row[i]) at--;
            if (at >= k) continue;
            best.Insert(at, i);
            if (best.Count > k) best.RemoveAt(k);
        }
        return best;
    }
}
