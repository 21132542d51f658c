using System.CommandLine;
using GroveMoE.Cli.Output;
using GroveMoE.Cpu.Gguf;
using GroveMoE.Cpu.Model;
using Spectre.Console;

namespace GroveMoE.Cli.Commands;

/// <summary><c>grove info</c>: what a GroveMoE file holds and what decoding it costs.</summary>
internal static class InfoCommand
{
    public static Command Create()
    {
        var model = new ModelSource();
        var command = new Command("info", "Show a model's architecture, hyperparameters, tensors and cost per token");
        model.AddTo(command);
        command.SetAction(async (parse, cancel) => Run(new FileInfo(await model.ResolveOrDemoAsync(parse, cancel))));
        return command;
    }

    private static int Run(FileInfo modelFile)
    {
        using var model = GroveModel.Load(modelFile.FullName, repack: false);
        var c = model.Config;
        var m = model.File.Metadata;

        var hyper = new Table().AddColumns("property", "value").HideHeaders().Border(TableBorder.Rounded);
        hyper.Title = new TableTitle($"{Markup.Escape(modelFile.Name)}");
        hyper.AddRow("architecture", GroveConfig.Architecture);
        hyper.AddRow("name", Markup.Escape(m.GetStringOrNull("general.name") ?? "-"));
        hyper.AddRow("file size", Units.Bytes(model.File.FileSize));
        hyper.AddRow("layers", $"{c.Layers}");
        hyper.AddRow("hidden size", $"{c.Hidden}");
        hyper.AddRow("attention", $"{c.Heads} query heads, {c.KvHeads} KV heads, head dim {c.HeadDim}");
        hyper.AddRow("RoPE base / RMS eps", $"{c.RopeBase:G} / {c.RmsEpsilon:G}");
        hyper.AddRow("training context", $"{c.ContextLength}");
        hyper.AddRow("routed experts", $"{c.Experts} (width {c.ExpertWidth}), {c.ExpertsUsed} per token");
        hyper.AddRow("adjugate experts", $"{c.Groups} (width {c.AdjugateWidth}), one per {c.ExpertsPerGroup} experts, scale {c.GroupScale:G}");
        hyper.AddRow("vocabulary", $"{c.Vocab}");
        int fewest = Math.Max(1, (int)Math.Ceiling(c.ExpertsUsed / (double)c.ExpertsPerGroup));
        int most = Math.Min(c.ExpertsUsed, c.Groups);
        hyper.AddRow("active parameters / token", $"{Units.Count(model.ActiveParameters(fewest))} .. {Units.Count(model.ActiveParameters(most))} ({fewest}..{most} adjugate experts)");
        hyper.AddRow("bytes read / decoded token", $"{Units.Bytes(model.BytesPerToken(fewest))} .. {Units.Bytes(model.BytesPerToken(most))}");
        AnsiConsole.Write(hyper);

        var tensors = new Table().AddColumns("type", "tensors", "elements", "bytes", "bits/weight").Border(TableBorder.Rounded);
        tensors.Title = new TableTitle($"{model.File.TensorInfos.Count} tensors");
        foreach (var group in model.File.TensorInfos.GroupBy(t => t.Type).OrderByDescending(g => g.Sum(t => t.ByteSize)))
            AddTypeRow(tensors, $"{group.Key}", group.ToList());
        AddTypeRow(tensors, "all", model.File.TensorInfos);
        AnsiConsole.Write(tensors);
        return 0;
    }

    private static void AddTypeRow(Table table, string type, IReadOnlyCollection<GgufTensorInfo> infos)
    {
        long elements = infos.Sum(t => t.ElementCount), bytes = infos.Sum(t => t.ByteSize);
        table.AddRow(type, $"{infos.Count}", Units.Count(elements), Units.Bytes(bytes), $"{8.0 * bytes / elements:F2}");
    }
}
