using GroveMoE.Cpu.CommandLine;
using System.CommandLine;
using GroveMoE.Cli.Output;
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
    private const string Help = """
        /reset   forget the conversation
        /stats   context use and the last answer's statistics
        /help    this list
        /exit    quit (or Ctrl-D)
        Ctrl-C stops an answer. End a message with /think or /no_think to switch Qwen3's thinking for that turn.
        """;

    public static Option<string?> SystemOption() => new("--system") { Description = "system prompt" };

    public static Option<bool> NoThinkOption() => new("--no-think") { Description = "turn Qwen3's thinking mode off" };

    public static Command Create()
    {
        var model = new ModelSource();
        var sessionGroup = new ModelOptions.SessionGroup();
        var maxTokens = ModelOptions.TokenLimit("most tokens per answer", 1024);
        var system = SystemOption();
        var noThink = NoThinkOption();
        var sampling = new SamplingOptions();
        var command = new Command("chat", "Chat with a model in the terminal") { maxTokens, system, noThink };
        model.AddTo(command);
        sessionGroup.AddTo(command);
        sampling.AddTo(command);
        command.SetAction(parse =>
        {
            var generation = new GenerationOptions { MaxTokens = parse.GetValue(maxTokens), Sampler = sampling.Read(parse) };
            var sessionOptions = sessionGroup.Read(parse);
            using var loaded = ModelLoader.Open(model.Resolve(parse));
            using var session = loaded.OpenSession(sessionOptions);
            var chat = new ChatSession(session, new ChatSessionOptions { SystemPrompt = parse.GetValue(system), Thinking = !parse.GetValue(noThink) });
            return Loop(chat, loaded, generation);
        });
        return command;
    }

    private static int Loop(ChatSession chat, LanguageModel loaded, GenerationOptions generation)
    {
        var console = AnsiConsole.Console;
        console.MarkupLineInterpolated($"[bold]{loaded.Name}[/] [grey]· {loaded.Model.Config.Layers} layers · context {chat.Session.ContextLength} · /help for commands[/]");

        CancellationTokenSource? answering = null;
        ConsoleCancelEventHandler onCancel = (_, e) =>
        {
            e.Cancel = true;
            if (Volatile.Read(ref answering) is { } current) current.Cancel();
            else Console.Error.WriteLine("\n(use /exit or Ctrl-D to quit)");
        };
        Console.CancelKeyPress += onCancel;
        try
        {
            while (true)
            {
                console.Markup("[green]> [/]");
                string? line = Console.ReadLine();
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
                        ShowStats(console, chat);
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
                    Answer(chat, line, generation, cancel.Token);
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

    private static void Answer(ChatSession chat, string message, GenerationOptions generation, CancellationToken cancel)
    {
        int dropped = chat.DroppedTurns;
        var stream = chat.SendAsync(message, generation, cancel).GetAsyncEnumerator(cancel);
        try
        {
            while (stream.MoveNextAsync().AsTask().GetAwaiter().GetResult()) Console.Write(stream.Current);
        }
        finally
        {
            stream.DisposeAsync().AsTask().GetAwaiter().GetResult();
        }
        Console.WriteLine();
        var stats = chat.Session.LastStats!;
        if (stats.FinishReason == FinishReason.Cancelled) AnsiConsole.MarkupLine("[yellow][[stopped]][/]");
        if (stats.FinishReason == FinishReason.ContextFull) AnsiConsole.MarkupLine("[yellow][[context full: /reset to start over]][/]");
        if (chat.DroppedTurns > dropped) AnsiConsole.MarkupLineInterpolated($"[grey](dropped {chat.DroppedTurns - dropped} oldest messages to fit the context)[/]");
        AnsiConsole.MarkupLine(StatsLine.Format(stats));
    }

    private static void ShowStats(IAnsiConsole console, ChatSession chat)
    {
        var s = chat.Session;
        var table = new Table().HideHeaders().AddColumns("", "");
        table.AddRow("context", $"{s.Tokens.Count} / {s.ContextLength} tokens");
        table.AddRow("messages", $"{chat.History.Count} (dropped {chat.DroppedTurns})");
        table.AddRow("threads", $"{s.Threads}");
        if (s.LastStats is { } last) table.AddRow("last answer", StatsLine.Format(last));
        console.Write(table);
    }
}
