using System.Text;

namespace GroveMoE.Cpu.Generation;

/// <summary>
/// Streams answer text while watching for stop sequences: text that could still become a stop sequence is held
/// back until the next piece decides, and a completed stop sequence ends the answer without being shown.
/// </summary>
internal sealed class StopSequenceFilter(IReadOnlyList<string> stops)
{
    private readonly StringBuilder _held = new();

    public bool Stopped { get; private set; }

    /// <summary>Adds generated text; returns the part that is safe to show now.</summary>
    public string Push(string piece)
    {
        if (stops.Count == 0) return piece;
        _held.Append(piece);
        string held = _held.ToString();
        int cut = int.MaxValue;
        foreach (var stop in stops)
        {
            int at = held.IndexOf(stop, StringComparison.Ordinal);
            if (at >= 0) cut = Math.Min(cut, at);
        }
        if (cut != int.MaxValue)
        {
            Stopped = true;
            _held.Clear();
            return held[..cut];
        }
        int keep = LongestStopPrefixSuffix(held);
        _held.Clear().Append(held, held.Length - keep, keep);
        return held[..^keep];
    }

    /// <summary>Text held back when the answer ends for another reason.</summary>
    public string Flush()
    {
        string rest = _held.ToString();
        _held.Clear();
        return rest;
    }

    private int LongestStopPrefixSuffix(string text)
    {
        int best = 0;
        foreach (var stop in stops)
        {
            for (int n = Math.Min(stop.Length - 1, text.Length); n > best; n--)
            {
                if (text.AsSpan(text.Length - n).SequenceEqual(stop.AsSpan(0, n))) { best = n; break; }
            }
        }
        return best;
    }
}
