using System.CommandLine;
using GroveMoE.Cpu.CommandLine;
using GroveMoE.Cpu.Conversion.Gguf;
using GroveMoE.Cpu.Conversion.SafeTensors;
using GroveMoE.Cpu.Gguf;
using GroveMoE.Quantizer.Conversion;
using GroveMoE.Quantizer.Output;

namespace GroveMoE.Quantizer.Commands;

/// <summary>The root command: a Hugging Face checkpoint folder or a GGUF file in, a GGUF file out.</summary>
public static class QuantizeCommand
{
    public const string TypeHelp =
        "q4_k_m | q4_k_s | q5_k_m | q5_k_s | q6_k | q3_k_m | q2_k | iq4_xs (llama-quantize's mixtures) | q4_0 | q8_0 | " +
        "f16 | bf16 | f32 | mixed. Norms and the router stay F32. mixed: routed and adjugate experts Q4_0, attention, " +
        "output and token embedding Q8_0. Rows whose length is not a multiple of the block fall back as llama-quantize " +
        "does (K-quants to Q5_0/Q5_1/Q8_0/IQ4_NL/Q4_0, 32-blocks to F16). Sizes for GroveMoE-Inst in README.md.";

    public static void AddTo(RootCommand root)
    {
        var input = new Option<string>("--input", "-i")
        {
            Description = "Hugging Face GroveMoE checkpoint folder (config.json, safetensors, tokenizer.json) or a GGUF file to re-quantize",
        };
        var output = new Option<FileInfo>("--output", "-o") { Description = "GGUF file to write" };
        var type = TypeOption();
        var threads = ThreadsOption();
        var force = ForceOption();
        root.Options.Add(input);
        root.Options.Add(output);
        root.Options.Add(type);
        root.Options.Add(threads);
        root.Options.Add(force);
        root.SetAction(parse =>
        {
            string? inputPath = parse.GetValue(input);
            var outputFile = parse.GetValue(output);
            if (inputPath is null || outputFile is null)
                throw new UserInputException("--input and --output are required (or use the synth command)");
            return Run(inputPath, outputFile.FullName, QuantizationRecipe.For(parse.GetValue(type)), parse.GetValue(threads), parse.GetValue(force));
        });
    }

    // Short flags mean what they mean in grove: -t is threads there, so --type has none (-f is grove's --file).
    public static Option<QuantizationType> TypeOption() => new Option<QuantizationType>("--type")
    {
        Description = TypeHelp,
        DefaultValueFactory = _ => QuantizationType.Mixed,
    }.OneOf();

    public static Option<int> ThreadsOption() => new Option<int>("--threads", "-t")
    {
        Description = "conversion threads (default: all cores)",
        DefaultValueFactory = _ => Environment.ProcessorCount,
    }.InRange(1, 1024);

    public static Option<bool> ForceOption() => new("--force") { Description = "replace an existing output file" };

    public static int Run(string input, string output, QuantizationRecipe recipe, int threads, bool force)
    {
        using var interrupt = new InterruptToken();
        if (Directory.Exists(input))
        {
            using var checkpoint = SafeTensorsCheckpoint.Open(input);
            var plan = HfCheckpointPlanner.Plan(input, checkpoint, recipe);
            Write(plan, output, threads, force, $"{recipe.Name} from {checkpoint.Shards.Count} shard(s)", interrupt.Token);
        }
        else
        {
            if (!File.Exists(input)) throw new FileNotFoundException($"no such file or folder: {input}", input);
            using var gguf = GgufFile.Open(input);
            Write(GgufRequantPlanner.Plan(gguf, recipe), output, threads, force, $"{recipe.Name} from GGUF", interrupt.Token);
        }
        return 0;
    }

    private static void Write(ConversionPlan plan, string output, int threads, bool force, string what, CancellationToken cancel)
    {
        using var file = AtomicOutputFile.Create(output, force);
        var writer = new GgufWriter(file.Stream, plan.Metadata, plan.Tensors.Select(t => (t.Name, t.Type, t.Dimensions)));
        ByteProgress.Run(what, plan.OutputDataBytes,
            report => ParallelTensorConverter.Run(writer, plan.Tensors, threads, report, cancel));
        writer.Finish();
        file.Commit();
        long size = new FileInfo(file.Path).Length;
        var types = plan.Tensors.GroupBy(t => t.Type).Select(g => $"{g.Count()} {g.Key}");
        StandardError.Line($"wrote {file.Path}: {ByteProgress.Size(size)}, {plan.Tensors.Count} tensors ({string.Join(", ", types)})" +
            (plan.Skipped.Count > 0 ? $"; skipped {plan.Skipped.Count} unused input tensors" : ""));
    }
}
