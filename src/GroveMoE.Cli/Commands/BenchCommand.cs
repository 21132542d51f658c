using System.CommandLine;
using System.Diagnostics;
using System.Text.Json;
using GroveMoE.Cli.Output;
using GroveMoE.Cpu.CommandLine;
using GroveMoE.Cpu.Generation;
using GroveMoE.Cpu.Model;
using Spectre.Console;

namespace GroveMoE.Cli.Commands;

/// <summary>
/// <c>grove bench</c>: prompt processing and generation speed measured like llama-bench (random tokens, an empty
/// cache for each repetition, one warm-up run), so the two tools' figures compare directly.
/// </summary>
internal static class BenchCommand
{
    public static Command Create()
    {
        var model = new ModelSource();
        var threads = ModelOptions.Threads();
        var prompt = new Option<int>("--prompt", "-p") { Description = "prompt tokens (pp test; 0 skips it)", DefaultValueFactory = _ => 64 }.InRange(0, 1 << 20);
        var generate = new Option<int>("--generate", "-n") { Description = "generated tokens (tg test; 0 skips it)", DefaultValueFactory = _ => 32 }.InRange(0, 1 << 20);
        var repetitions = new Option<int>("--repetitions", "-r") { Description = "repetitions of each test", DefaultValueFactory = _ => 3 }.InRange(1, 10_000);
        var json = new Option<bool>("--json") { Description = "print one JSON object with pp_tps and tg_tps" };
        var gpuLayers = ModelOptions.GpuLayers();
        var gpuExperts = ModelOptions.GpuExperts();
        var noRepack = ModelOptions.NoRepack();
        var command = new Command("bench", "Measure prompt processing and generation speed (tokens/s, mean ± sd)")
        {
            threads, prompt, generate, repetitions, json, gpuLayers, gpuExperts, noRepack,
        };
        model.AddTo(command);
        command.SetAction(parse => Run(new FileInfo(model.ResolveOrDemo(parse)), parse.GetValue(threads), parse.GetValue(prompt),
            parse.GetValue(generate), parse.GetValue(repetitions), parse.GetValue(json), parse.GetValue(gpuLayers),
            parse.GetValue(gpuExperts), parse.GetValue(noRepack)));
        return command;
    }

    private static int Run(FileInfo modelFile, int threads, int promptTokens, int generateTokens, int repetitions, bool json,
        int gpuLayers, GpuExpertsMode gpuExperts, bool noRepack)
    {
        if (promptTokens < 0 || generateTokens < 0 || promptTokens + generateTokens == 0)
            throw new UserInputException("--prompt and --generate must be >= 0 and not both 0");
        if (repetitions < 1) throw new UserInputException("--repetitions must be at least 1");
        if (threads < 1) throw new UserInputException("--threads must be at least 1");

        var loadClock = Stopwatch.StartNew();
        using var model = GroveModel.Load(modelFile.FullName, repack: !noRepack);
        double loadSeconds = loadClock.Elapsed.TotalSeconds;
        // The whole prompt in one batch on the CPU; with offload, the batch a session would use, which sizes the device buffers.
        int batch = Math.Clamp(promptTokens, 1, gpuLayers > 0 ? new SessionOptions().BatchSize : 512);
        int context = promptTokens + generateTokens + 1;
        using var offload = Gpu.GpuOffloadSetup.Create(model, gpuLayers, gpuExperts, context, batch);
        using var forward = new GroveForward(model, context, threads, batch) { Offload = offload };
        var random = new Random(42);
        var tokens = Enumerable.Range(0, Math.Max(promptTokens, generateTokens)).Select(_ => random.Next(model.Config.Vocab)).ToArray();
        var logits = new float[model.Config.Vocab];

        double[] pp = promptTokens > 0 ? Measure(() => Prompt(forward, tokens.AsSpan(0, promptTokens), logits), promptTokens, repetitions) : [];
        double[] tg = generateTokens > 0 ? Measure(() => Generate(forward, tokens.AsSpan(0, generateTokens), logits), generateTokens, repetitions) : [];
        long privateBytes = Process.GetCurrentProcess().PrivateMemorySize64;
        double adjugates = forward.Stats.AdjugatesPerTokenLayer;

        if (json) WriteJson(modelFile, model, threads, promptTokens, generateTokens, repetitions, pp, tg, loadSeconds, privateBytes, adjugates);
        else WriteTable(modelFile, model, threads, promptTokens, generateTokens, pp, tg, loadSeconds, privateBytes);
        return 0;
    }

    private static double[] Measure(Action test, int tokens, int repetitions)
    {
        test(); // warm-up: JIT, page cache, worker threads
        var rates = new double[repetitions];
        for (int r = 0; r < repetitions; r++)
        {
            long start = Stopwatch.GetTimestamp();
            test();
            rates[r] = tokens / Stopwatch.GetElapsedTime(start).TotalSeconds;
        }
        return rates;
    }

    private static void Prompt(GroveForward forward, ReadOnlySpan<int> tokens, float[] logits)
    {
        forward.Rewind(0);
        forward.Evaluate(tokens, logits);
    }

    private static void Generate(GroveForward forward, ReadOnlySpan<int> tokens, float[] logits)
    {
        forward.Rewind(0);
        for (int i = 0; i < tokens.Length; i++) forward.Evaluate(tokens.Slice(i, 1), logits);
    }

    private static (double Mean, double Sd) Summary(double[] rates)
    {
        if (rates.Length == 0) return (0, 0);
        double mean = rates.Average();
        double sd = rates.Length > 1 ? Math.Sqrt(rates.Sum(r => (r - mean) * (r - mean)) / (rates.Length - 1)) : 0;
        return (mean, sd);
    }

    private static void WriteTable(FileInfo file, GroveModel model, int threads, int p, int n, double[] pp, double[] tg,
        double loadSeconds, long privateBytes)
    {
        var table = new Table().AddColumns("model", "size", "params", "threads", "test", "t/s");
        string size = Units.Bytes(file.Length), parameters = Units.Count(model.File.TensorInfos.Sum(t => t.ElementCount));
        if (pp.Length > 0) AddRow(table, file, size, parameters, threads, $"pp{p}", Summary(pp));
        if (tg.Length > 0) AddRow(table, file, size, parameters, threads, $"tg{n}", Summary(tg));
        AnsiConsole.Write(table);
        AnsiConsole.MarkupLineInterpolated($"[grey]loaded in {loadSeconds:F2} s; private memory {Units.Bytes(privateBytes)}[/]");
    }

    private static void AddRow(Table table, FileInfo file, string size, string parameters, int threads, string test, (double Mean, double Sd) s) =>
        table.AddRow(Markup.Escape(file.Name), size, parameters, threads.ToString(), test, $"{s.Mean:F2} ± {s.Sd:F2}");

    private static void WriteJson(FileInfo file, GroveModel model, int threads, int p, int n, int repetitions, double[] pp, double[] tg,
        double loadSeconds, long privateBytes, double adjugates)
    {
        using var stream = Console.OpenStandardOutput();
        using (var json = new Utf8JsonWriter(stream))
        {
            var (ppMean, ppSd) = Summary(pp);
            var (tgMean, tgSd) = Summary(tg);
            json.WriteStartObject();
            json.WriteString("model", file.FullName);
            json.WriteNumber("model_bytes", file.Length);
            json.WriteNumber("threads", threads);
            json.WriteNumber("repetitions", repetitions);
            json.WriteNumber("n_prompt", p);
            json.WriteNumber("n_gen", n);
            json.WriteNumber("pp_tps", ppMean);
            json.WriteNumber("pp_sd", ppSd);
            json.WriteNumber("tg_tps", tgMean);
            json.WriteNumber("tg_sd", tgSd);
            json.WriteNumber("load_seconds", loadSeconds);
            json.WriteNumber("private_bytes", privateBytes);
            json.WriteNumber("adjugates_per_token_layer", adjugates);
            json.WriteEndObject();
        }
        stream.Write("\n"u8);
    }
}
