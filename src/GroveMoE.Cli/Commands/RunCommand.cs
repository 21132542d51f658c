using System.CommandLine;
using GroveMoE.Cli.Output;
using GroveMoE.Cli.Terminal;
using GroveMoE.Cpu.CommandLine;
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
        var prompt = new Option<string?>("--prompt", "-p") { Description = "the prompt; - reads it from stdin" };
        var promptWords = new Argument<string[]>("prompt") { Description = "the prompt (also: -p, -f FILE, or piped on stdin)", Arity = ArgumentArity.ZeroOrMore };
        var promptFile = new Option<FileInfo?>("--file", "-f") { Description = "read the prompt from this file" };
        var maxTokens = ModelOptions.TokenLimit("most tokens to generate", 256);
        var system = ChatCommand.SystemOption();
        var thinking = new ThinkingOptions();
        var raw = new Option<bool>("--raw") { Description = "send the prompt as is, without the chat template" };
        var verbose = new Option<bool>("--verbose", "-v") { Description = "print speed and expert statistics to stderr" };
        var jsonSchema = new Option<FileInfo>("--json-schema") { Description = "answer with JSON valid under the JSON Schema in this file" }.ExistingFile();
        var json = new Option<bool>("--json") { Description = "answer with a JSON object" };
        var sampling = new SamplingOptions();
        var noRepack = ModelOptions.NoRepack();
        var command = new Command("run", "Answer one prompt and exit") { promptWords, prompt, promptFile, maxTokens, system, raw, verbose, jsonSchema, json, noRepack };
        model.AddTo(command);
        thinking.AddTo(command);
        sessionOptions.AddTo(command);
        sampling.AddTo(command);
        command.SetAction(async (parse, cancel) =>
        {
            string text = ReadPrompt(parse.GetValue(promptWords) ?? [], parse.GetValue(prompt), parse.GetValue(promptFile));
            var grammar = OutputGrammar.Read(parse.GetValue(jsonSchema), parse.GetValue(json));
            using var loaded = ModelLoader.Open(await model.ResolveAsync(parse, cancel), new Cpu.LoadOptions { Repack = !parse.GetValue(noRepack) });
            using var session = loaded.OpenSession(sessionOptions.Read(parse));
            var generation = new GenerationOptions { MaxTokens = parse.GetValue(maxTokens), Sampler = sampling.Read(parse), Grammar = grammar };
            // A grammar holds from the first token, so the answer starts after an empty think block.
            bool think = thinking.Thinking(parse) && grammar is null;
            var tokens = parse.GetValue(raw)
                ? loaded.Tokenizer.Encode(text)
                : loaded.Tokenizer.Encode(loaded.ChatTemplate.Render(parse.GetValue(system), [new ChatTurn(AuthorRole.User, text)], think));

            using var stdout = Console.OpenStandardOutput();
            using var writer = new StreamWriter(stdout) { AutoFlush = true };
            var answer = new AnswerWriter(writer, ColorOutput.Stdout, thinking.Hide(parse));
            GenerationStats? stats = null;
            await foreach (var update in session.GenerateAsync(tokens, generation, cancel))
            {
                if (update.Stats is { } final) stats = final;
                else answer.Write(update.Text);
            }
            answer.Finish();
            await writer.WriteLineAsync();
            if (stats?.FinishReason is FinishReason.Length or FinishReason.ContextFull)
                StandardError.Line(stats.FinishReason == FinishReason.Length
                    ? $"[length] the answer reached --n-predict {generation.MaxTokens} tokens"
                    : "[context full] the answer filled the context (--ctx sets a longer one)");
            if (parse.GetValue(verbose) && stats is not null) StandardError.Console.MarkupLine(StatsLine.Format(stats));
            return 0;
        });
        return command;
    }

    /// <summary>
    /// The prompt from, in order: the words after <c>run</c>, <c>-p</c> (<c>-</c>: stdin), <c>-f FILE</c>, else stdin
    /// when it is not a terminal.
    /// </summary>
    private static string ReadPrompt(string[] words, string? option, FileInfo? file)
    {
        int given = (words.Length > 0 ? 1 : 0) + (option is not null ? 1 : 0) + (file is not null ? 1 : 0);
        if (given > 1) throw new UserInputException("give the prompt one way: as words, with -p or with -f FILE");
        string text;
        if (words.Length > 0) text = string.Join(' ', words);
        else if (option is "-" || (option is null && file is null && Console.IsInputRedirected)) text = Console.In.ReadToEnd();
        else if (option is not null) text = option;
        else if (file is not null) text = File.Exists(file.FullName) ? File.ReadAllText(file.FullName) : throw new FileNotFoundException($"no such file: {file.FullName}", file.FullName);
        else throw new UserInputException("no prompt: grove run \"text\", -p TEXT, -f FILE, or pipe it on stdin");
        text = text.TrimEnd('\n', '\r');
        return text.Trim().Length > 0 ? text : throw new UserInputException("the prompt is empty");
    }
}
