using System.Text;

namespace GroveMoE.Cli.Terminal;

/// <summary>
/// A line editor for the terminal, as readline users expect: arrows, Home/End, Ctrl-A/E/U/K/W, Up/Down through
/// <see cref="InputHistory"/>, Alt+Enter (or Ctrl-J) for a new line, and a paste of several lines kept as one
/// message (Enter with more keys already waiting is a newline, not a send). Redraws its whole input area on
/// each change, so wrapped and multi-line input stays right.
/// </summary>
internal sealed class LineEditor(InputHistory history)
{
    private readonly List<StringBuilder> _lines = [];
    private int _row, _column;      // the cursor, in _lines
    private int _drawnCursorRow;    // screen rows from the top of the drawn input area to the cursor
    private string _prompt = "", _continuation = "";

    /// <summary>Ctrl-C at the prompt: the editor clears the line and raises this (the chat says how to quit).</summary>
    public event Action? Interrupted;

    /// <summary>Reads one message; null at Ctrl-D on an empty line.</summary>
    public string? ReadLine(string prompt, string continuation)
    {
        _prompt = prompt;
        _continuation = continuation;
        _lines.Clear();
        _lines.Add(new StringBuilder());
        _row = _column = 0;
        _drawnCursorRow = 0;
        int historyIndex = history.Entries.Count;
        string? draft = null;
        bool treatCtrlC = Console.TreatControlCAsInput;
        Console.TreatControlCAsInput = true;
        try
        {
            Render();
            while (true)
            {
                var key = Console.ReadKey(intercept: true);
                bool control = key.Modifiers.HasFlag(ConsoleModifiers.Control), alt = key.Modifiers.HasFlag(ConsoleModifiers.Alt);
                switch (key.Key)
                {
                    // Ctrl-J arrives as Enter with Control; Alt+Enter as Enter with Alt, or as Escape then Enter when more keys follow at once.
                    case ConsoleKey.Enter when alt || control || key.Modifiers.HasFlag(ConsoleModifiers.Shift) || Console.KeyAvailable:
                        NewLine();
                        break;
                    case ConsoleKey.Enter:
                        MoveToEnd();
                        Console.Write("\r\n");
                        return Text;
                    case ConsoleKey.D when control:
                        if (Text.Length == 0)
                        {
                            Console.Write("\r\n");
                            return null;
                        }
                        Delete();
                        break;
                    case ConsoleKey.C when control:
                        MoveToEnd();
                        Console.Write("^C\r\n");
                        _lines.Clear();
                        _lines.Add(new StringBuilder());
                        _row = _column = 0;
                        _drawnCursorRow = 0;
                        Interrupted?.Invoke();
                        break;
                    case ConsoleKey.Backspace:
                    case ConsoleKey.H when control:
                        Backspace();
                        break;
                    case ConsoleKey.Delete:
                        Delete();
                        break;
                    case ConsoleKey.LeftArrow:
                    case ConsoleKey.B when control:
                        if (_column > 0) _column--;
                        else if (_row > 0) _column = _lines[--_row].Length;
                        break;
                    case ConsoleKey.RightArrow:
                    case ConsoleKey.F when control:
                        if (_column < _lines[_row].Length) _column++;
                        else if (_row < _lines.Count - 1) (_row, _column) = (_row + 1, 0);
                        break;
                    case ConsoleKey.Home:
                    case ConsoleKey.A when control:
                        _column = 0;
                        break;
                    case ConsoleKey.End:
                    case ConsoleKey.E when control:
                        _column = _lines[_row].Length;
                        break;
                    case ConsoleKey.U when control:
                        _lines[_row].Remove(0, _column);
                        _column = 0;
                        break;
                    case ConsoleKey.K when control:
                        _lines[_row].Length = _column;
                        break;
                    case ConsoleKey.W when control:
                        DeleteWordBefore();
                        break;
                    case ConsoleKey.L when control:
                        Console.Write("\x1b[H\x1b[2J");
                        _drawnCursorRow = 0;
                        break;
                    case ConsoleKey.UpArrow when _row > 0:
                        _column = Math.Min(_column, _lines[--_row].Length);
                        break;
                    case ConsoleKey.DownArrow when _row < _lines.Count - 1:
                        _column = Math.Min(_column, _lines[++_row].Length);
                        break;
                    case ConsoleKey.UpArrow when historyIndex > 0:
                        if (historyIndex == history.Entries.Count) draft = Text;
                        Load(history.Entries[--historyIndex]);
                        break;
                    case ConsoleKey.DownArrow when historyIndex < history.Entries.Count:
                        historyIndex++;
                        Load(historyIndex == history.Entries.Count ? draft ?? "" : history.Entries[historyIndex]);
                        break;
                    default:
                        if (key.KeyChar == '\t') Insert("    ");
                        else if (key.KeyChar >= ' ' && !control) Insert(key.KeyChar.ToString());
                        break;
                }
                if (!Console.KeyAvailable) Render(); // a paste arrives as many keys: draw once at its end
            }
        }
        finally
        {
            Console.TreatControlCAsInput = treatCtrlC;
        }
    }

    private string Text => string.Join('\n', _lines.Select(l => l.ToString()));

    private void Insert(string text)
    {
        _lines[_row].Insert(_column, text);
        _column += text.Length;
    }

    private void NewLine()
    {
        var rest = _lines[_row].ToString(_column, _lines[_row].Length - _column);
        _lines[_row].Length = _column;
        _lines.Insert(++_row, new StringBuilder(rest));
        _column = 0;
    }

    private void Backspace()
    {
        if (_column > 0)
        {
            _lines[_row].Remove(--_column, 1);
        }
        else if (_row > 0)
        {
            _column = _lines[_row - 1].Length;
            _lines[_row - 1].Append(_lines[_row]);
            _lines.RemoveAt(_row--);
        }
    }

    private void Delete()
    {
        if (_column < _lines[_row].Length) _lines[_row].Remove(_column, 1);
        else if (_row < _lines.Count - 1)
        {
            _lines[_row].Append(_lines[_row + 1]);
            _lines.RemoveAt(_row + 1);
        }
    }

    private void DeleteWordBefore()
    {
        int start = _column;
        while (start > 0 && _lines[_row][start - 1] == ' ') start--;
        while (start > 0 && _lines[_row][start - 1] != ' ') start--;
        _lines[_row].Remove(start, _column - start);
        _column = start;
    }

    private void Load(string text)
    {
        _lines.Clear();
        _lines.AddRange(text.Split('\n').Select(l => new StringBuilder(l)));
        _row = _lines.Count - 1;
        _column = _lines[_row].Length;
    }

    private void MoveToEnd()
    {
        _row = _lines.Count - 1;
        _column = _lines[_row].Length;
        Render();
    }

    /// <summary>Clears the drawn area from its top, writes prompt and lines, and puts the cursor where it belongs.</summary>
    private void Render()
    {
        int width = Math.Max(Console.IsOutputRedirected ? 80 : Console.WindowWidth, 10);
        var output = new StringBuilder();
        if (_drawnCursorRow > 0) output.Append($"\x1b[{_drawnCursorRow}A");
        output.Append("\r\x1b[J");
        int rowsBefore = 0, cursorRow = 0, cursorColumn = 0;
        for (int i = 0; i < _lines.Count; i++)
        {
            string prompt = i == 0 ? _prompt : _continuation, line = _lines[i].ToString();
            if (i > 0) output.Append("\r\n");
            output.Append("\x1b[32m").Append(prompt).Append("\x1b[0m").Append(line);
            int promptWidth = DisplayWidth.Of(prompt), lineWidth = DisplayWidth.Of(line);
            if (i == _row)
            {
                int at = promptWidth + DisplayWidth.Of(line.AsSpan(0, _column));
                cursorRow = rowsBefore + at / width;
                cursorColumn = at % width;
            }
            rowsBefore += (promptWidth + lineWidth) / width + 1;
        }
        // The terminal's cursor is now on the last drawn row; an exactly full row leaves it pending at the edge.
        int endRow = rowsBefore - 1;
        int lastWidth = DisplayWidth.Of(_lines.Count == 1 ? _prompt : _continuation) + DisplayWidth.Of(_lines[^1].ToString());
        if (lastWidth > 0 && lastWidth % width == 0) output.Append("\r\n");
        if (endRow > cursorRow) output.Append($"\x1b[{endRow - cursorRow}A");
        output.Append($"\r\x1b[{cursorColumn + 1}G");
        Console.Write(output.ToString());
        _drawnCursorRow = cursorRow;
    }
}
