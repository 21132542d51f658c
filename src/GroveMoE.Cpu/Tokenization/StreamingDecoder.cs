using System.Text.Unicode;

namespace GroveMoE.Cpu.Tokenization;

/// <summary>
/// Turns generated token ids, one at a time, into text. A token can end inside a multi-byte UTF-8 character
/// (byte-level BPE splits emoji and CJK characters across tokens); those bytes are held back until the character
/// is complete, so every piece returned is valid text and the pieces joined equal <see cref="GroveTokenizer.Decode"/>.
/// Allocates nothing per token.
/// </summary>
public sealed class StreamingDecoder
{
    private readonly GroveTokenizer _tokenizer;
    private readonly bool _skipSpecial;
    private byte[] _pending = new byte[64];
    private int _pendingLength;
    private char[] _text = new char[64];

    /// <summary>A decoder over <paramref name="tokenizer"/>'s vocabulary; <paramref name="skipSpecial"/> leaves control tokens out of the text.</summary>
    public StreamingDecoder(GroveTokenizer tokenizer, bool skipSpecial = false)
    {
        _tokenizer = tokenizer;
        _skipSpecial = skipSpecial;
    }

    /// <summary>Adds one token; returns the text that is now complete (valid until the next call).</summary>
    public ReadOnlySpan<char> Append(int tokenId)
    {
        if (_skipSpecial && _tokenizer.IsSpecial(tokenId)) return [];
        var bytes = _tokenizer.TokenBytes(tokenId);
        EnsureCapacity(ref _pending, _pendingLength + bytes.Length);
        bytes.CopyTo(_pending.AsSpan(_pendingLength));
        _pendingLength += bytes.Length;
        return Convert(isFinal: false);
    }

    /// <summary>Ends the stream: whatever incomplete bytes are left come out as U+FFFD, as a full decode would show them.</summary>
    public ReadOnlySpan<char> Flush() => Convert(isFinal: true);

    /// <summary>Drops bytes held back for an incomplete character.</summary>
    public void Reset() => _pendingLength = 0;

    private ReadOnlySpan<char> Convert(bool isFinal)
    {
        EnsureCapacity(ref _text, _pendingLength);
        // Invalid bytes become U+FFFD right away (they can never turn valid); only a trailing incomplete
        // character stays in the buffer.
        Utf8.ToUtf16(_pending.AsSpan(0, _pendingLength), _text, out int read, out int written,
            replaceInvalidSequences: true, isFinalBlock: isFinal);
        _pending.AsSpan(read, _pendingLength - read).CopyTo(_pending);
        _pendingLength -= read;
        return _text.AsSpan(0, written);
    }

    private static void EnsureCapacity<T>(ref T[] buffer, int length)
    {
        if (buffer.Length < length) Array.Resize(ref buffer, Math.Max(length, buffer.Length * 2));
    }
}
