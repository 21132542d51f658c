using GroveMoE.Cpu.CommandLine;
using System.CommandLine;
using GroveMoE.Cli.Output;
using GroveMoE.Cli.Terminal;
using GroveMoE.Cpu;
using GroveMoE.Cpu.Generation;
using GroveMoE.Cpu.Model;
using Spectre.Console;

namespace GroveMoE.Cli.Commands;

/// <summary>
/// <c>grove chat</c>: an interactive conversation that streams answers. Ctrl-C stops the current answer, not the
/// program; each turn reuses the cached history.
/// </summary>
internal static class ChatCommand
{
    private const string Help = """"
        /reset   forget the conversation
        /stats   context use and the last answer's statistics
        /help    this list
        /exit    quit (or Ctrl-D)
        Ctrl-C stops an answer. End a message with /think or /no_think to switch Qwen3's thinking for that turn.
        """ starts and ends a message of several lines; Alt+Enter (or Ctrl-J) adds a line; Up/Down go through the history.
        """";

    public static Option<string?> SystemOption() => new("--system") { Description = "system prompt" };

    public static Option<bool> NoThinkOption() => new("--no-think") { Description = "turn Qwen3's thinking mode off" };

    public static Command Create()
    {
        var model = new ModelSource();
        var sessionGroup = new ModelOptions.SessionGroup();
        var maxTokens = ModelOptions.TokenLimit("most tokens per answer", 1024);
        var system = SystemOption();
        var thinking = new ThinkingOptions();
        var sampling = new SamplingOptions();
        var noRepack = ModelOptions.NoRepack();
        var command = new Command("chat", "Chat with a model in the terminal") { maxTokens, system, noRepack };
        model.AddTo(command);
        thinking.AddTo(command);
        sessionGroup.AddTo(command);
        sampling.AddTo(command);
        command.SetAction(async (parse, cancel) =>
        {
            var generation = new GenerationOptions { MaxTokens = parse.GetValue(maxTokens), Sampler = sampling.Read(parse) };
            var sessionOptions = sessionGroup.Read(parse);
            using var loaded = ModelLoader.Open(await model.ResolveAsync(parse, cancel), new Cpu.LoadOptions { Repack = !parse.GetValue(noRepack) });
            using var session = loaded.OpenSession(sessionOptions);
            var chat = new ChatSession(session, new ChatSessionOptions { SystemPrompt = parse.GetValue(system), Thinking = thinking.Thinking(parse) });
            return Loop(chat, loaded, generation, thinking.Hide(parse));
        });
        return command;
    }

    private static int Loop(ChatSession chat, LanguageModel loaded, GenerationOptions generation, bool hideThinking)
    {
        var console = AnsiConsole.Console;
        console.MarkupLineInterpolated($"[bold]{loaded.Name}[/] [grey]· {loaded.Model.Config.Layers} layers · context {chat.Session.ContextLength} · /help for commands[/]");

        var input = new ChatInput();
        input.Interrupted += () => StandardError.Line("(use /exit or Ctrl-D to quit)");
        CancellationTokenSource? answering = null;
        GenerationStats? lastAnswer = null;
        ConsoleCancelEventHandler onCancel = (_, e) =>
        {
            e.Cancel = true;
            if (Volatile.Read(ref answering) is { } current) current.Cancel();
            else { StandardError.Line(""); StandardError.Line("(use /exit or Ctrl-D to quit)"); }
        };
        Console.CancelKeyPress += onCancel;
        try
        {
            while (true)
            {
                string? line = input.Read();
                if (line is null) break;
                line = line.Trim();
                if (line.Length == 0) continue;
                switch (line)
                {
                    case "/exit" or "/quit" or "/bye":
                        return 0;
                    case "/help":
                        console.WriteLine(Help);
                        continue;
                    case "/reset":
                        chat.Reset();
                        console.MarkupLine("[grey]conversation cleared[/]");
                        continue;
                    case "/stats":
                        ShowStats(console, chat, lastAnswer);
                        continue;
                }
                if (line.StartsWith('/') && !line.Contains(' ') && line is not ("/think" or "/no_think"))
                {
                    console.MarkupLineInterpolated($"[red]unknown command {line}[/] [grey](/help lists them)[/]");
                    continue;
                }

                using var cancel = new CancellationTokenSource();
                Volatile.Write(ref answering, cancel);
                try
                {
                    lastAnswer = Answer(chat, line, generation, hideThinking, cancel.Token);
                }
                catch (ContextFullException e)
                {
                    console.MarkupLineInterpolated($"[red]{e.Message}[/] [grey](/reset starts over; --ctx sets a longer context)[/]");
                }
                finally
                {
                    Volatile.Write(ref answering, null);
                }
            }
        }
        finally
        {
            Console.CancelKeyPress -= onCancel;
        }
        return 0;
    }

    private static GenerationStats? Answer(ChatSession chat, string message, GenerationOptions generation, bool hideThinking, CancellationToken cancel)
    {
        int dropped = chat.DroppedTurns;
        var writer = new AnswerWriter(Console.Out, ColorOutput.Stdout, hideThinking);
        var stream = chat.SendAsync(message, generation, cancel).GetAsyncEnumerator(cancel);
        GenerationStats? stats = null;
        try
        {
            while (stream.MoveNextAsync().AsTask().GetAwaiter().GetResult())
            {
                if (stream.Current.Stats is { } final) stats = final;
                else writer.Write(stream.Current.Text);
            }
        }
        finally
        {
            writer.Finish();
            stream.DisposeAsync().AsTask().GetAwaiter().GetResult();
        }
        Console.WriteLine();
        if (stats is null) return null;
        if (stats.FinishReason == FinishReason.Cancelled) AnsiConsole.MarkupLine("[yellow][[stopped]][/]");
        if (stats.FinishReason == FinishReason.Length) AnsiConsole.MarkupLine($"[yellow][[length]][/] [grey](the answer reached --n-predict {generation.MaxTokens} tokens)[/]");
        if (stats.FinishReason == FinishReason.ContextFull) AnsiConsole.MarkupLine("[yellow][[context full]][/] [grey](/reset starts over; --ctx sets a longer context)[/]");
        if (chat.DroppedTurns > dropped) AnsiConsole.MarkupLineInterpolated($"[grey](dropped {chat.DroppedTurns - dropped} oldest messages to fit the context)[/]");
        AnsiConsole.MarkupLine(StatsLine.Format(stats));
        return stats;
    }

    private static void ShowStats(IAnsiConsole console, ChatSession chat, GenerationStats? last)
    {
        var s = chat.Session;
        var table = new Table().HideHeaders().AddColumns("", "");
        table.AddRow("context", $"{s.Tokens.Count} / {s.ContextLength} tokens");
        table.AddRow("messages", $"{chat.History.Count} (dropped {chat.DroppedTurns})");
        table.AddRow("threads", $"{s.Threads}");
        if (last is not null) table.AddRow("last answer", StatsLine.Format(last));
        console.Write(table);
    }
}
