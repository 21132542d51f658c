namespace GroveMoE.Cpu.Generation;

/// <summary>
/// A generated token's log-probability under the model (the log-softmax of its raw logits, before penalties,
/// temperature or a grammar), as OpenAI's <c>logprobs</c> report it.
/// </summary>
/// <param name="Id">The token id.</param>
/// <param name="Text">The token's bytes as UTF-8 (a token that splits a character shows U+FFFD; <paramref name="Bytes"/> is exact).</param>
/// <param name="Bytes">The token's bytes.</param>
/// <param name="Logprob">Its natural log-probability.</param>
public sealed record TokenLogprob(int Id, string Text, byte[] Bytes, float Logprob)
{
    /// <summary>The most likely tokens at this position, best first (as many as <see cref="GenerationOptions.TopLogprobs"/>).</summary>
    public IReadOnlyList<TokenLogprob> Top { get; init; } = [];
}

/// <summary>A piece of generated text and the tokens it came from, when their log-probabilities were asked for.</summary>
internal readonly record struct GeneratedPiece(string Text, IReadOnlyList<TokenLogprob>? Logprobs);
