namespace GroveMoE.Cpu.Generation;

/// <summary>
/// One streamed step of a generation: a piece of text (whole UTF-8 characters), or, as the stream's last update,
/// empty text and the <see cref="Stats"/> of the whole call, as Microsoft.Extensions.AI puts usage in a final update.
/// </summary>
/// <param name="Text">The next piece of the answer; empty on the final update.</param>
/// <param name="Stats">Null except on the final update.</param>
/// <param name="Logprobs">The tokens this update's text came from, with their log-probabilities, when
/// <see cref="GenerationOptions.TopLogprobs"/> asks for them (the final update has those of tokens that wrote no text).</param>
public readonly record struct GenerationUpdate(string Text, GenerationStats? Stats = null, IReadOnlyList<TokenLogprob>? Logprobs = null)
{
    /// <summary>Whether this is the last update, the one that carries <see cref="Stats"/>.</summary>
    public bool IsFinal => Stats is not null;

    /// <summary>The <see cref="Text"/>, so an update writes as its text.</summary>
    public override string ToString() => Text;
}
