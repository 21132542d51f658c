using System.Text;

namespace GroveMoE.Cli.Terminal;

/// <summary>
/// Writes a streamed answer with its thinking (Qwen3's <c>&lt;think&gt;…&lt;/think&gt;</c>) set apart: between
/// "Thinking..." and "...done thinking." lines, dimmed on a terminal, or left out with <c>hideThinking</c>.
/// Tags split across streamed pieces are held back until they are whole.
/// </summary>
internal sealed class AnswerWriter(TextWriter output, bool color, bool hideThinking)
{
    private const string Open = "<think>", Close = "</think>";
    private readonly StringBuilder _pending = new();
    private bool _thinking, _thoughtShown, _trimAnswer, _answerStarted;
    private string _leading = "";
    private int _heldNewlines = -1; // -1: nothing of the thought written yet

    public void Write(string piece)
    {
        _pending.Append(piece);
        while (true)
        {
            string tag = _thinking ? Close : Open, text = _pending.ToString();
            int at = text.IndexOf(tag, StringComparison.Ordinal);
            // Thinking can only open before the answer has begun; later "<think>" is answer text.
            if (at >= 0 && (_thinking || !_answerStarted && text[..at].Trim().Length == 0))
            {
                Emit(text[..at]);
                _pending.Remove(0, at + tag.Length);
                Toggle();
                continue;
            }
            int keep = _thinking || !_answerStarted ? PartialTagAtEnd(text, tag) : 0;
            Emit(text[..^keep]);
            _pending.Remove(0, text.Length - keep);
            return;
        }
    }

    /// <summary>Writes what is held back and closes an unfinished thinking block.</summary>
    public void Finish()
    {
        Emit(_pending.ToString());
        _pending.Clear();
        if (_thinking) Toggle();
        if (!_answerStarted && !_trimAnswer) output.Write(_leading);
    }

    private void Toggle()
    {
        _thinking = !_thinking;
        if (_thinking) _heldNewlines = -1;
        else if (_thoughtShown) output.Write(color ? "\n...done thinking.\x1b[0m\n\n" : "\n...done thinking.\n\n");
        _thoughtShown = false;
        _trimAnswer = !_thinking;
        _leading = "";
    }

    private void Emit(string text)
    {
        if (text.Length == 0) return;
        if (_thinking)
        {
            if (hideThinking) return;
            // Newlines at the edges of the thought are the template's; those at its end are held until more follows.
            if (_heldNewlines < 0)
            {
                text = text.TrimStart('\n');
                if (text.Length == 0) return;
                _heldNewlines = 0;
            }
            string body = text.TrimEnd('\n');
            if (body.Length > 0)
            {
                // The frame opens with the first word of thought, so an empty think block shows nothing.
                if (!_thoughtShown) output.Write(color ? "\x1b[2mThinking...\n" : "Thinking...\n");
                _thoughtShown = true;
                output.Write(new string('\n', _heldNewlines));
                output.Write(body);
                _heldNewlines = 0;
            }
            _heldNewlines += text.Length - body.Length;
            return;
        }
        if (!_answerStarted)
        {
            // Whitespace before the answer waits: a think block may still open (and then it is the template's).
            if (text.Trim().Length == 0)
            {
                _leading += text;
                return;
            }
            text = _trimAnswer ? text.TrimStart() : _leading + text;
            _leading = "";
        }
        _answerStarted = true;
        output.Write(text);
    }

    private static int PartialTagAtEnd(string text, string tag)
    {
        for (int k = Math.Min(tag.Length - 1, text.Length); k > 0; k--)
        {
            if (text.AsSpan(text.Length - k).SequenceEqual(tag.AsSpan(0, k))) return k;
        }
        return 0;
    }
}
