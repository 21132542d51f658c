using System.CommandLine;
using GroveMoE.Cli.Output;
using GroveMoE.Cpu.Gguf;
using GroveMoE.Cpu.Hub;
using Spectre.Console;

namespace GroveMoE.Cli.Hub;

/// <summary><c>grove show</c>: what a GGUF model is — architecture, quant, size, context, chat template, licence — read from its metadata.</summary>
internal static class ShowCommand
{
    public static Command Create()
    {
        var model = new Argument<string>("model") { Description = "GGUF file, or a Hub model OWNER/REPO[:QUANT] / hf.co/OWNER/REPO[:QUANT] (pulled when not cached)" };
        var template = new Option<bool>("--template") { Description = "print only the chat template, in full" };
        var command = new Command("show", "Show a model's architecture, quant, size, context, chat template and licence") { model, template };
        command.SetAction(async (parse, cancel) =>
        {
            string text = parse.GetRequiredValue(model);
            string path = File.Exists(text) || !ModelReference.TryParse(text, requirePrefix: false, out var reference)
                ? Path.GetFullPath(text)
                : await HubPull.GetOrPullAsync(reference, cancel);
            using var file = GgufFile.Open(path);
            var m = file.Metadata;
            string? jinja = m.GetStringOrNull("tokenizer.chat_template");
            if (parse.GetValue(template))
            {
                Console.Out.WriteLine(jinja ?? throw new Cpu.CommandLine.UserInputException($"{path} has no chat template"));
                return 0;
            }
            string architecture = m.GetStringOrNull("general.architecture") ?? "-";
            var table = new Table().HideHeaders().AddColumns("", "").Border(TableBorder.Rounded);
            void Row(string name, string? value) => table.AddRow(name, Markup.Escape(value ?? "-"));
            Row("model", path);
            Row("name", m.GetStringOrNull("general.name"));
            Row("architecture", architecture);
            Row("quant", FileTypeName(m) ?? ModelReference.QuantOfFileName(path));
            Row("size", $"{Units.Bytes(file.FileSize)}{(file.FileSize != new FileInfo(path).Length ? " (all parts)" : "")}");
            Row("parameters", Units.Count(file.TensorInfos.Sum(t => t.ElementCount)));
            Row("context", m.TryGet($"{architecture}.context_length", out var context) ? $"{context.Value}" : null);
            Row("chat template", jinja is null ? null : $"{Cpu.Generation.ChatTemplate.Detect(jinja) switch { { IsQwen3: true } => "Qwen3 ChatML", _ => "other (rendered as ChatML)" }}, {jinja.Length} characters (--template prints it)");
            Row("license", m.GetStringOrNull("general.license"));
            if (m.GetStringOrNull("general.license.name") is { } licenseName) Row("license name", licenseName);
            if (m.GetStringOrNull("general.license.link") is { } licenseLink) Row("license link", licenseLink);
            AnsiConsole.Write(table);
            return 0;
        });
        return command;
    }

    /// <summary>llama.cpp's name for <c>general.file_type</c> (its llama_ftype numbering).</summary>
    private static string? FileTypeName(GgufMetadata m)
    {
        if (!m.Contains("general.file_type")) return null;
        return m.GetInt("general.file_type") switch
        {
            0 => "F32", 1 => "F16", 2 => "Q4_0", 3 => "Q4_1", 7 => "Q8_0", 8 => "Q5_0", 9 => "Q5_1", 10 => "Q2_K",
            11 => "Q3_K_S", 12 => "Q3_K_M", 13 => "Q3_K_L", 14 => "Q4_K_S", 15 => "Q4_K_M", 16 => "Q5_K_S", 17 => "Q5_K_M",
            18 => "Q6_K", 19 => "IQ2_XXS", 20 => "IQ2_XS", 21 => "Q2_K_S", 22 => "IQ3_XS", 23 => "IQ3_XXS", 24 => "IQ1_S",
            25 => "IQ4_NL", 26 => "IQ3_S", 27 => "IQ3_M", 28 => "IQ2_S", 29 => "IQ2_M", 30 => "IQ4_XS", 31 => "IQ1_M",
            32 => "BF16", 36 => "TQ1_0", 37 => "TQ2_0", 38 => "MXFP4_MOE",
            int other => $"file type {other}",
        };
    }
}
