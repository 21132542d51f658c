using GroveMoE.Cpu.CommandLine;
using System.CommandLine;
using GroveMoE.Cli.Output;
using GroveMoE.Cpu.Generation;
using Spectre.Console;

namespace GroveMoE.Cli.Commands;

/// <summary><c>grove run</c>: one prompt, one answer, streamed to stdout alone so it pipes cleanly.</summary>
internal static class RunCommand
{
    public static Command Create()
    {
        var model = new ModelSource();
        var sessionOptions = new ModelOptions.SessionGroup();
        var prompt = new Option<string>("--prompt", "-p") { Description = "the prompt", Required = true };
        var maxTokens = ModelOptions.TokenLimit("most tokens to generate", 256);
        var system = ChatCommand.SystemOption();
        var noThink = ChatCommand.NoThinkOption();
        var raw = new Option<bool>("--raw") { Description = "send the prompt as is, without the chat template" };
        var verbose = new Option<bool>("--verbose", "-v") { Description = "print speed and expert statistics to stderr" };
        var jsonSchema = new Option<FileInfo>("--json-schema") { Description = "answer with JSON valid under the JSON Schema in this file" }.ExistingFile();
        var json = new Option<bool>("--json") { Description = "answer with a JSON object" };
        var sampling = new SamplingOptions();
        var command = new Command("run", "Answer one prompt and exit") { prompt, maxTokens, system, noThink, raw, verbose, jsonSchema, json };
        model.AddTo(command);
        sessionOptions.AddTo(command);
        sampling.AddTo(command);
        command.SetAction(async (parse, cancel) =>
        {
            var grammar = OutputGrammar.Read(parse.GetValue(jsonSchema), parse.GetValue(json));
            using var loaded = ModelLoader.Open(model.Resolve(parse, cancel));
            using var session = loaded.OpenSession(sessionOptions.Read(parse));
            var generation = new GenerationOptions { MaxTokens = parse.GetValue(maxTokens), Sampler = sampling.Read(parse), Grammar = grammar };
            string text = parse.GetRequiredValue(prompt);
            // A grammar holds from the first token, so the answer starts after an empty think block.
            bool thinking = !parse.GetValue(noThink) && grammar is null;
            var tokens = parse.GetValue(raw)
                ? loaded.Tokenizer.Encode(text)
                : loaded.Tokenizer.Encode(loaded.ChatTemplate.Render(parse.GetValue(system), [new ChatTurn(AuthorRole.User, text)], thinking));

            using var stdout = Console.OpenStandardOutput();
            using var writer = new StreamWriter(stdout) { AutoFlush = true };
            await foreach (var piece in session.GenerateAsync(tokens, generation, cancel)) await writer.WriteAsync(piece);
            await writer.WriteLineAsync();
            if (parse.GetValue(verbose) && session.LastStats is { } stats) StandardError.Console.MarkupLine(StatsLine.Format(stats));
            return 0;
        });
        return command;
    }
}
