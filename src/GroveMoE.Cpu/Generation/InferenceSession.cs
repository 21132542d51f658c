using System.Runtime.CompilerServices;
using GroveMoE.Cpu.Model;
using GroveMoE.Cpu.Tokenization;

namespace GroveMoE.Cpu.Generation;

/// <summary>
/// One conversation's state: a KV cache and the tokens in it. A new prompt that starts with tokens already in
/// the cache evaluates only the rest, so multi-turn chat does not re-read its history. Its generation runs on a
/// <see cref="BatchScheduler"/>: its own, or one shared with other sessions (see <see cref="BatchScheduler.OpenSession"/>),
/// which batches their steps and gives each the text it would give alone. Not thread-safe: one conversation at a time.
/// </summary>
public sealed class InferenceSession : IDisposable
{
    private readonly BatchScheduler _scheduler;
    private readonly bool _ownsScheduler;
    private readonly int _slot;
    private readonly List<int> _tokens = [];
    private bool _disposed;

    /// <summary>A session with a scheduler (KV cache, worker threads) of its own.</summary>
    public InferenceSession(GroveModel model, GroveTokenizer tokenizer, SessionOptions? options = null)
        : this(new BatchScheduler(model, tokenizer, 1, options), 0)
    {
        _ownsScheduler = true;
    }

    internal InferenceSession(BatchScheduler scheduler, int slot)
    {
        _scheduler = scheduler;
        _slot = slot;
    }

    /// <summary>The weights it runs (not owned).</summary>
    public GroveModel Model => _scheduler.Model;
    /// <summary>The tokenizer that decodes its output.</summary>
    public GroveTokenizer Tokenizer => _scheduler.Tokenizer;
    /// <summary>Positions its KV cache holds: prompt and answer together.</summary>
    public int ContextLength => _scheduler.ContextLength;
    /// <summary>Worker threads of its forward pass, the caller's included.</summary>
    public int Threads => _scheduler.Threads;
    internal BatchScheduler Scheduler => _scheduler;

    /// <summary>The tokens whose keys and values are in the cache, in order.</summary>
    public IReadOnlyList<int> Tokens => _tokens;

    /// <summary>Empties the cache.</summary>
    public void Reset() => _tokens.Clear();

    /// <summary>
    /// Generates a continuation of <paramref name="prompt"/> (token ids, e.g. a rendered chat), streaming text pieces
    /// that are always whole UTF-8 characters, then one final update with the call's <see cref="GenerationStats"/>
    /// (its <see cref="GenerationStats.FinishReason"/> says why it ended). Generation that fills the context ends
    /// with <see cref="FinishReason.ContextFull"/>. Cancellation ends the stream quietly, the final update saying
    /// <see cref="FinishReason.Cancelled"/>; the cache keeps what was evaluated. A caller that stops reading early
    /// ends the generation and gets no final update.
    /// </summary>
    /// <param name="prompt">Token ids, each inside the vocabulary.</param>
    /// <param name="options">Token limit, stop sequences, sampling, grammar; null for the defaults.</param>
    /// <param name="cancellationToken">Ends the generation (not the stream's last update).</param>
    /// <exception cref="ContextFullException">The prompt alone does not fit the context.</exception>
    /// <exception cref="ArgumentException">The prompt is empty or holds a token id outside the vocabulary.</exception>
    public async IAsyncEnumerable<GenerationUpdate> GenerateAsync(IReadOnlyList<int> prompt, GenerationOptions? options = null,
        [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        options ??= new GenerationOptions();
        if (prompt.Count == 0) throw new ArgumentException("the prompt has no tokens", nameof(prompt));
        if (prompt.Count >= ContextLength) throw new ContextFullException(ContextLength, prompt.Count + 1);
        int vocab = Model.Config.Vocab;
        foreach (int token in prompt)
        {
            if ((uint)token >= (uint)vocab)
                throw new ArgumentOutOfRangeException(nameof(prompt), $"token id {token} is outside the vocabulary (0..{vocab - 1})");
        }
        await Task.Yield(); // the caller's context is free while the first token is computed

        // Reuse the longest cached prefix; the last prompt token must be evaluated for its logits.
        int common = 0;
        while (common < _tokens.Count && common < prompt.Count && _tokens[common] == prompt[common]) common++;
        if (common == prompt.Count) common--;
        _tokens.RemoveRange(common, _tokens.Count - common);
        var rest = new int[prompt.Count - common];
        for (int i = 0; i < rest.Length; i++) rest[i] = prompt[common + i];

        var job = new GenerationJob(_slot, _tokens, rest, prompt.Count, common, ContextLength, options, Tokenizer, vocab, cancellationToken);
        _scheduler.Submit(job);
        IReadOnlyList<TokenLogprob>? silent = null; // tokens that wrote no text go with the final update
        try
        {
            await foreach (var piece in job.Pieces.ReadAllAsync(CancellationToken.None).ConfigureAwait(false))
            {
                if (cancellationToken.IsCancellationRequested) break; // the scheduler may have run ahead of the reader
                if (piece.Text.Length == 0) silent = piece.Logprobs;
                else yield return new GenerationUpdate(piece.Text, null, piece.Logprobs);
            }
        }
        finally
        {
            // A reader that stops early ends the job; the session is usable again once the scheduler has let it go.
            job.Abandon();
            await job.Done.ConfigureAwait(false);
        }
        yield return new GenerationUpdate("", job.Stats!, silent);
    }

    /// <summary>Frees its scheduler when it owns one, else gives its slot back to the shared scheduler.</summary>
    public void Dispose()
    {
        if (_disposed) return;
        _disposed = true;
        if (_ownsScheduler) _scheduler.Dispose();
        else _scheduler.ReleaseSlot(_slot);
    }
}
