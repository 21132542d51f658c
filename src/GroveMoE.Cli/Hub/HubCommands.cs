using System.CommandLine;
using GroveMoE.Cli.Output;
using GroveMoE.Cpu.CommandLine;
using GroveMoE.Cpu.Hub;
using Spectre.Console;

namespace GroveMoE.Cli.Hub;

/// <summary><c>grove pull</c>, <c>grove list</c> and <c>grove rm</c>: models in the Hugging Face Hub cache.</summary>
internal static class HubCommands
{
    public static Argument<string> ReferenceArgument() => new("model")
    {
        Description = "OWNER/REPO[:QUANT] or hf.co/OWNER/REPO[:QUANT] (QUANT default: Q4_K_M, else Q8_0, else the first GGUF)",
    };

    public static ModelReference ParseReference(string text) =>
        ModelReference.TryParse(text, requirePrefix: false, out var reference)
            ? reference
            : throw new UserInputException($"'{text}' is not a Hub model: expected OWNER/REPO[:QUANT] or hf.co/OWNER/REPO[:QUANT]");

    public static Command Pull()
    {
        var model = ReferenceArgument();
        var command = new Command("pull", "Download a GGUF model from the Hugging Face Hub into its cache (resumable, sha256-checked); prints its path") { model };
        command.SetAction(async (parse, cancel) =>
        {
            var reference = ParseReference(parse.GetRequiredValue(model));
            using var hub = new ModelHub();
            string path = await HubPull.PullAsync(hub, reference, cancel);
            Console.Out.WriteLine(path);
            return 0;
        });
        return command;
    }

    public static Command List()
    {
        var command = new Command("list", "List the GGUF models in the Hugging Face Hub cache: repository, quant, size, path");
        command.Aliases.Add("ls");
        command.SetAction(_ =>
        {
            using var hub = new ModelHub();
            var models = hub.ListCached();
            if (Console.IsOutputRedirected)
            {
                foreach (var m in models) Console.Out.WriteLine($"{m.RepoId}\t{m.Quant}\t{m.Size}\t{m.Path}");
                return 0;
            }
            if (models.Count == 0)
            {
                AnsiConsole.MarkupLineInterpolated($"[grey]no models in {hub.Options.CacheDirectory}; grove pull OWNER/REPO[[:QUANT]] fetches one[/]");
                return 0;
            }
            var table = new Table().AddColumns("repository", "quant", "size", "path").Border(TableBorder.Rounded);
            foreach (var m in models) table.AddRow(Markup.Escape(m.RepoId), Markup.Escape(m.Quant), Units.Bytes(m.Size), Markup.Escape(m.Path));
            AnsiConsole.Write(table);
            return 0;
        });
        return command;
    }

    public static Command Remove()
    {
        var model = new Argument<string>("model") { Description = "OWNER/REPO[:QUANT]: that quant, or without one the whole repository" };
        var command = new Command("rm", "Remove a model from the Hugging Face Hub cache") { model };
        command.SetAction(parse =>
        {
            var reference = ParseReference(parse.GetRequiredValue(model));
            using var hub = new ModelHub();
            var removed = hub.Remove(reference);
            if (removed.Count == 0) throw new UserInputException($"{reference} is not in the cache ({hub.Options.CacheDirectory}); grove list shows what is");
            foreach (var m in removed) Console.Out.WriteLine($"removed {m.RepoId}:{m.Quant} ({Units.Bytes(m.Size)})");
            return 0;
        });
        return command;
    }
}
