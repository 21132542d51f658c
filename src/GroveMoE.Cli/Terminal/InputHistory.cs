using System.Text.Json;

namespace GroveMoE.Cli.Terminal;

/// <summary>
/// Messages typed in <c>grove chat</c>, kept across runs in <c>$XDG_STATE_HOME/grove/chat_history</c> (else
/// <c>~/.local/state/grove/chat_history</c>), one JSON string a line so multi-line messages survive.
/// </summary>
internal sealed class InputHistory
{
    private const int Keep = 1000;
    private readonly List<string> _entries = [];
    private readonly string? _path;

    public InputHistory(string? path)
    {
        _path = path;
        if (path is null || !File.Exists(path)) return;
        try
        {
            foreach (var line in File.ReadLines(path))
            {
                if (line.Length > 0 && JsonSerializer.Deserialize(line, HistoryJson.Default.String) is { Length: > 0 } entry) _entries.Add(entry);
            }
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or JsonException)
        {
            // An unreadable history is not worth failing a chat over; it starts afresh.
        }
    }

    public static string DefaultPath()
    {
        string state = Environment.GetEnvironmentVariable("XDG_STATE_HOME") is { Length: > 0 } xdg
            ? xdg
            : Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".local", "state");
        return Path.Combine(state, "grove", "chat_history");
    }

    public IReadOnlyList<string> Entries => _entries;

    public void Add(string entry)
    {
        if (entry.Length == 0 || (_entries.Count > 0 && _entries[^1] == entry)) return;
        _entries.Add(entry);
        if (_entries.Count > Keep) _entries.RemoveRange(0, _entries.Count - Keep);
        if (_path is null) return;
        try
        {
            Directory.CreateDirectory(Path.GetDirectoryName(_path)!);
            File.WriteAllLines(_path, _entries.Select(e => JsonSerializer.Serialize(e, HistoryJson.Default.String)));
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
        }
    }
}

[System.Text.Json.Serialization.JsonSerializable(typeof(string))]
internal sealed partial class HistoryJson : System.Text.Json.Serialization.JsonSerializerContext;
