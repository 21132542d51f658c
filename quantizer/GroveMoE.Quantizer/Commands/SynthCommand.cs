using System.CommandLine;
using GroveMoE.Cpu.CommandLine;
using GroveMoE.Cpu.Conversion.Synthetic;
using GroveMoE.Cpu.Conversion.Tokenization;
using GroveMoE.Cpu.Tokenization;
using GroveMoE.Quantizer.Conversion;
using GroveMoE.Quantizer.Output;

namespace GroveMoE.Quantizer.Commands;

/// <summary>
/// <c>grove-quantize synth</c>: a GroveMoE with random weights and the real Qwen3 tokenizer, as a GGUF and/or a
/// Hugging Face checkpoint holding the same values (weights are rounded to BF16 so both can hold them exactly).
/// </summary>
public static class SynthCommand
{
    public static Command Create()
    {
        var preset = new Option<Preset>("--preset")
        {
            Description = "tiny | small | wide4 | wide8 | full (wide*/full: GroveMoE-Inst's widths with 4, 8 or 48 layers)",
            Required = true,
        }.OneOf();
        var type = QuantizeCommand.TypeOption();
        var output = new Option<FileInfo?>("--output", "-o") { Description = "GGUF file to write" };
        var hfDir = new Option<DirectoryInfo?>("--hf-dir") { Description = "also (or only) write the weights as a sharded BF16 Hugging Face checkpoint here" };
        var seed = new Option<ulong>("--seed", "-s") { Description = "random seed", DefaultValueFactory = _ => 1 }.InRange(0UL, ulong.MaxValue);
        var shardMb = new Option<int>("--shard-mb") { Description = "largest safetensors shard in MiB", DefaultValueFactory = _ => 4096 }.InRange(1, 1 << 20);
        var force = QuantizeCommand.ForceOption();
        var command = new Command("synth", "Write a GroveMoE with random weights (a GGUF and/or a Hugging Face checkpoint)")
        {
            preset, type, output, hfDir, seed, shardMb, force,
        };
        command.SetAction(parse => Run(parse.GetValue(preset), QuantizationRecipe.For(parse.GetValue(type)),
            parse.GetValue(output)?.FullName, parse.GetValue(hfDir)?.FullName, parse.GetValue(seed), parse.GetValue(shardMb), parse.GetValue(force)));
        return command;
    }

    /// <summary>The model sizes <c>--preset</c> names (<see cref="SyntheticPresets"/>).</summary>
    public enum Preset
    {
        Tiny,
        Small,
        Wide4,
        Wide8,
        Full,
    }

    public static int Run(Preset preset, QuantizationRecipe recipe, string? output, string? hfDir, ulong seed, int shardMb, bool force)
    {
        if (output is null && hfDir is null) throw new UserInputException("synth needs --output, --hf-dir or both");
        if (recipe.Mixture is not null)
            throw new UserInputException($"synth writes q4_0, q8_0, f16, bf16, f32 or mixed; for {recipe.Name}, synth f32 and quantize that file");
        var config = SyntheticPresets.ByName(preset.ToString().ToLowerInvariant(), BuiltInTokenizer.Qwen3VocabSize);
        var options = new SyntheticModelOptions(config, recipe.Weights, seed)
        {
            ExpertType = recipe.Experts,
            RoundToBF16 = true,
            ExtraMetadata = BuiltInTokenizer.Qwen3Metadata(config.Vocab),
        };
        using var interrupt = new InterruptToken();
        if (hfDir is not null) WriteCheckpoint(hfDir, options, (long)shardMb << 20, force, interrupt.Token);
        if (output is not null) WriteGguf(output, options, force, interrupt.Token);
        return 0;
    }

    private static void WriteGguf(string output, SyntheticModelOptions options, bool force, CancellationToken cancel)
    {
        using var file = AtomicOutputFile.Create(output, force);
        long total = SyntheticModelWriter.Layout(options).Sum(t => new Cpu.Gguf.GgufTensorInfo(t.Name, t.Type, t.Dimensions).ByteSize);
        ByteProgress.Run("synthetic GGUF", total, report =>
        {
            long last = 0;
            SyntheticModelWriter.Write(file.Stream, options, new SynchronousProgress(done =>
            {
                cancel.ThrowIfCancellationRequested();
                report(done - last);
                last = done;
            }));
        });
        file.Commit();
        StandardError.Line($"wrote {file.Path}: {ByteProgress.Size(new FileInfo(file.Path).Length)}");
    }

    private static void WriteCheckpoint(string directory, SyntheticModelOptions options, long shardBytes, bool force, CancellationToken cancel)
    {
        if (Directory.Exists(directory) && Directory.EnumerateFileSystemEntries(directory).Any() && !force)
            throw new UserInputException($"--hf-dir {directory} is not empty (use --force to write into it)");
        var tokenizer = new SyntheticCheckpointWriter.TokenizerFiles(
            BuiltInTokenizer.Qwen3TokenizerJson, BuiltInTokenizer.Qwen3TokenizerConfigJson, BuiltInTokenizer.Qwen3ModelConfigJson);
        ByteProgress.Run("synthetic checkpoint", SyntheticCheckpointWriter.DataBytes(options), report =>
        {
            long last = 0;
            SyntheticCheckpointWriter.Write(directory, options, tokenizer, shardBytes, new SynchronousProgress(done =>
            {
                cancel.ThrowIfCancellationRequested();
                report(done - last);
                last = done;
            }));
        });
        StandardError.Line($"wrote Hugging Face checkpoint {directory}");
    }

    /// <summary>An <see cref="IProgress{T}"/> that reports on the writing thread (<see cref="Progress{T}"/> would post elsewhere).</summary>
    private sealed class SynchronousProgress(Action<long> report) : IProgress<long>
    {
        public void Report(long value) => report(value);
    }
}
