namespace GroveMoE.Cli.Terminal;

/// <summary>
/// Where <c>grove chat</c> reads messages: the line editor on a terminal, plain lines from a pipe. Either way a
/// message may be a <c>"""</c> block spanning lines, as in ollama.
/// </summary>
internal sealed class ChatInput
{
    private const string Fence = "\"\"\"";
    private readonly LineEditor? _editor;
    private readonly InputHistory _history;

    public ChatInput()
    {
        bool terminal = !Console.IsInputRedirected && !Console.IsOutputRedirected;
        _history = new InputHistory(terminal ? InputHistory.DefaultPath() : null);
        if (terminal) _editor = new LineEditor(_history);
    }

    /// <summary>True when Ctrl-C at the prompt comes as a key (the editor's), not as a signal.</summary>
    public bool HandlesInterrupt => _editor is not null;

    public event Action? Interrupted
    {
        add { if (_editor is not null) _editor.Interrupted += value; }
        remove { if (_editor is not null) _editor.Interrupted -= value; }
    }

    /// <summary>The next message, or null at the end of input.</summary>
    public string? Read()
    {
        string? first = ReadLine("> ");
        if (first is null) return null;
        string message = first;
        if (first.TrimStart().StartsWith(Fence, StringComparison.Ordinal))
        {
            string body = first.TrimStart()[Fence.Length..];
            var lines = new List<string>();
            if (body.TrimEnd().EndsWith(Fence, StringComparison.Ordinal)) lines.Add(body.TrimEnd()[..^Fence.Length]);
            else
            {
                lines.Add(body);
                while (ReadLine(". ") is { } next)
                {
                    if (next.TrimEnd().EndsWith(Fence, StringComparison.Ordinal))
                    {
                        lines.Add(next.TrimEnd()[..^Fence.Length]);
                        break;
                    }
                    lines.Add(next);
                }
            }
            message = string.Join('\n', lines).Trim('\n');
        }
        _history.Add(message);
        return message;
    }

    private string? ReadLine(string prompt)
    {
        if (_editor is not null) return _editor.ReadLine(prompt, ". ");
        Console.Write(prompt);
        return Console.ReadLine();
    }
}
