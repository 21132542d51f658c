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
/// <c>grove bench</c>: prompt processing and generation speed measured like llama-bench (random tokens, a warm-up
/// run before each test, <c>-d</c> tokens already in the cache, comma lists giving one row per combination), so the
/// two tools' figures compare directly.
/// </summary>
internal static class BenchCommand
{
    private sealed record Test(int Threads, int Depth, string Kind, int Tokens, double[] Rates);

    public static Command Create()
    {
        var model = new ModelSource();
        var threads = new Option<int[]>("--threads", "-t")
        {
            Description = "worker threads, a comma list (default: all cores)",
            DefaultValueFactory = _ => [Environment.ProcessorCount],
        }.CommaList(1, MaxListValue);
        var prompt = new Option<int[]>("--prompt", "-p") { Description = "prompt tokens, a comma list (pp tests; 0 skips them)", DefaultValueFactory = _ => [64] }.CommaList(0, MaxListValue);
        var generate = new Option<int[]>("--generate", "-n") { Description = "generated tokens, a comma list (tg tests; 0 skips them)", DefaultValueFactory = _ => [32] }.CommaList(0, MaxListValue);
        var depth = new Option<int[]>("--depth", "-d") { Description = "tokens already in the KV cache before each test, a comma list", DefaultValueFactory = _ => [0] }.CommaList(0, MaxListValue);
        var repetitions = new Option<int>("--repetitions", "-r") { Description = "repetitions of each test", DefaultValueFactory = _ => 3 }.InRange(1, 10_000);
        var json = new Option<bool>("--json") { Description = "print one JSON object: pp_tps and tg_tps (the first of each), and every test" };
        var gpuLayers = ModelOptions.GpuLayers();
        var gpuExperts = ModelOptions.GpuExperts();
        var noRepack = ModelOptions.NoRepack();
        var kvType = ModelOptions.KvCache();
        var command = new Command("bench", "Measure prompt processing and generation speed (tokens/s, mean ± sd)")
        {
            threads, prompt, generate, depth, repetitions, json, gpuLayers, gpuExperts, noRepack, kvType,
        };
        model.AddTo(command);
        command.SetAction(async (parse, cancel) => Run(new FileInfo(await model.ResolveOrDemoAsync(parse, cancel)),
            parse.GetValue(threads)!, parse.GetValue(prompt)!, parse.GetValue(generate)!, parse.GetValue(depth)!,
            parse.GetValue(repetitions), parse.GetValue(json), parse.GetValue(gpuLayers), parse.GetValue(gpuExperts),
            parse.GetValue(noRepack), parse.GetValue(kvType)));
        return command;
    }

    /// <summary>"64,512" → [64, 512]; every value at least <paramref name="minimum"/> and at most 1,000,000.</summary>
    private const int MaxListValue = 1_000_000;

    private static int Run(FileInfo modelFile, int[] threadCounts, int[] prompts, int[] generates, int[] depths, int repetitions,
        bool json, int gpuLayers, GpuExpertsMode gpuExperts, bool noRepack, KvCacheType kvType)
    {
        prompts = prompts.Where(p => p > 0).ToArray();
        generates = generates.Where(n => n > 0).ToArray();
        if (prompts.Length + generates.Length == 0) throw new UserInputException("--prompt and --generate are both 0: nothing to measure");
        if (repetitions < 1) throw new UserInputException("--repetitions must be at least 1");

        var loadClock = Stopwatch.StartNew();
        using var model = GroveModel.Load(modelFile.FullName, repack: !noRepack);
        double loadSeconds = loadClock.Elapsed.TotalSeconds;
        int longest = Math.Max(prompts.DefaultIfEmpty(0).Max(), generates.DefaultIfEmpty(0).Max());
        // The whole prompt in one batch on the CPU; with offload, the batch a session would use, which sizes the device buffers.
        int batch = Math.Clamp(prompts.DefaultIfEmpty(1).Max(), 1, gpuLayers > 0 ? new SessionOptions().BatchSize : 512);
        int context = depths.Max() + longest + 1;
        var random = new Random(42);
        var tokens = Enumerable.Range(0, depths.Max() + longest).Select(_ => random.Next(model.Config.Vocab)).ToArray();
        var logits = new float[model.Config.Vocab];
        var tests = new List<Test>();
        double adjugates = 0;

        foreach (int threads in threadCounts)
        {
            using var offload = Gpu.GpuOffloadSetup.Create(model, gpuLayers, gpuExperts, context, batch);
            using var forward = new GroveForward(model, context, threads, batch, kvType) { Offload = offload };
            foreach (int depth in depths)
            {
                // The depth tokens are evaluated once; each run rewinds to them, keeping their cache entries.
                forward.Rewind(0);
                if (depth > 0) forward.Evaluate(tokens.AsSpan(0, depth), logits);
                foreach (int p in prompts)
                    tests.Add(new Test(threads, depth, "pp", p, Measure(() => Prompt(forward, depth, tokens.AsSpan(depth, p), logits), p, repetitions)));
                foreach (int n in generates)
                    tests.Add(new Test(threads, depth, "tg", n, Measure(() => Generate(forward, depth, tokens.AsSpan(depth, n), logits), n, repetitions)));
            }
            adjugates = forward.Stats.AdjugatesPerTokenLayer;
        }
        long privateBytes = Process.GetCurrentProcess().PrivateMemorySize64;

        if (json) WriteJson(modelFile, model, repetitions, tests, loadSeconds, privateBytes, adjugates);
        else WriteTable(modelFile, model, tests, loadSeconds, privateBytes);
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

    private static void Prompt(GroveForward forward, int depth, ReadOnlySpan<int> tokens, float[] logits)
    {
        forward.Rewind(depth);
        forward.Evaluate(tokens, logits);
    }

    private static void Generate(GroveForward forward, int depth, ReadOnlySpan<int> tokens, float[] logits)
    {
        forward.Rewind(depth);
        for (int i = 0; i < tokens.Length; i++) forward.Evaluate(tokens.Slice(i, 1), logits);
    }

    private static (double Mean, double Sd) Summary(double[] rates)
    {
        if (rates.Length == 0) return (0, 0);
        double mean = rates.Average();
        double sd = rates.Length > 1 ? Math.Sqrt(rates.Sum(r => (r - mean) * (r - mean)) / (rates.Length - 1)) : 0;
        return (mean, sd);
    }

    private static string Name(Test t) => t.Depth > 0 ? $"{t.Kind}{t.Tokens} @ d{t.Depth}" : $"{t.Kind}{t.Tokens}";

    private static void WriteTable(FileInfo file, GroveModel model, List<Test> tests, double loadSeconds, long privateBytes)
    {
        var table = new Table().AddColumns("model", "size", "params", "threads", "test", "t/s");
        string size = Units.Bytes(file.Length), parameters = Units.Count(model.File.TensorInfos.Sum(t => t.ElementCount));
        foreach (var test in tests)
        {
            var (mean, sd) = Summary(test.Rates);
            table.AddRow(Markup.Escape(file.Name), size, parameters, test.Threads.ToString(), Name(test), $"{mean:F2} ± {sd:F2}");
        }
        AnsiConsole.Write(table);
        AnsiConsole.MarkupLineInterpolated($"[grey]loaded in {loadSeconds:F2} s; private memory {Units.Bytes(privateBytes)}[/]");
    }

    private static void WriteJson(FileInfo file, GroveModel model, int repetitions, List<Test> tests, double loadSeconds,
        long privateBytes, double adjugates)
    {
        using var stream = Console.OpenStandardOutput();
        using (var json = new Utf8JsonWriter(stream))
        {
            var pp = tests.FirstOrDefault(t => t.Kind == "pp");
            var tg = tests.FirstOrDefault(t => t.Kind == "tg");
            var (ppMean, ppSd) = Summary(pp?.Rates ?? []);
            var (tgMean, tgSd) = Summary(tg?.Rates ?? []);
            json.WriteStartObject();
            json.WriteString("model", file.FullName);
            json.WriteNumber("model_bytes", file.Length);
            json.WriteNumber("threads", tests[0].Threads);
            json.WriteNumber("repetitions", repetitions);
            json.WriteNumber("n_depth", tests[0].Depth);
            json.WriteNumber("n_prompt", pp?.Tokens ?? 0);
            json.WriteNumber("n_gen", tg?.Tokens ?? 0);
            json.WriteNumber("pp_tps", ppMean);
            json.WriteNumber("pp_sd", ppSd);
            json.WriteNumber("tg_tps", tgMean);
            json.WriteNumber("tg_sd", tgSd);
            json.WriteNumber("load_seconds", loadSeconds);
            json.WriteNumber("private_bytes", privateBytes);
            json.WriteNumber("repacked_bytes", model.RepackedBytes);
            json.WriteNumber("adjugates_per_token_layer", adjugates);
            json.WriteStartArray("tests");
            foreach (var test in tests)
            {
                var (mean, sd) = Summary(test.Rates);
                json.WriteStartObject();
                json.WriteString("test", Name(test));
                json.WriteNumber("threads", test.Threads);
                json.WriteNumber("n_depth", test.Depth);
                json.WriteNumber(test.Kind == "pp" ? "n_prompt" : "n_gen", test.Tokens);
                json.WriteNumber("avg_ts", mean);
                json.WriteNumber("stddev_ts", sd);
                json.WriteEndObject();
            }
            json.WriteEndArray();
            json.WriteEndObject();
        }
        stream.Write("\n"u8);
    }
}
