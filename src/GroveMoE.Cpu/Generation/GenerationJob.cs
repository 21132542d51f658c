using System.Diagnostics;
using System.Numerics.Tensors;
using System.Runtime.InteropServices;
using System.Threading.Channels;
using GroveMoE.Cpu.Grammar;
using GroveMoE.Cpu.Tokenization;

namespace GroveMoE.Cpu.Generation;

/// <summary>
/// One generation call of a session as the <see cref="BatchScheduler"/> runs it: the prompt still to evaluate (in
/// chunks), then one token per step (sample, stop checks, text), its pieces of text sent to the session's reader.
/// Touched only by the scheduler's thread while it runs.
/// </summary>
internal sealed class GenerationJob
{
    private readonly Sampler _sampler;
    private readonly StreamingDecoder _decoder;
    private readonly StopSequenceFilter _stops;
    private readonly GrammarMatcher? _grammar;
    private readonly GroveTokenizer _tokenizer;
    private readonly int _maxTokens;
    private readonly bool _ignoreEos;
    private readonly DateTimeOffset? _deadline;
    private readonly Stopwatch _clock = Stopwatch.StartNew();
    private readonly Channel<GeneratedPiece> _pieces = Channel.CreateUnbounded<GeneratedPiece>(new UnboundedChannelOptions { SingleReader = true, SingleWriter = true });
    private readonly int? _topLogprobs;
    private readonly float[]? _exp;
    private List<TokenLogprob>? _logprobs; // the tokens since the last piece sent
    private readonly TaskCompletionSource _done = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly int _promptTokens, _reused;
    private double _promptSeconds;
    private long _adjugateRuns, _layerTokens;
    private volatile bool _abandoned;

    public GenerationJob(int slot, List<int> tokens, int[] rest, int promptTokens, int reused, int contextLength, GenerationOptions options,
        GroveTokenizer tokenizer, int vocab, CancellationToken cancellationToken)
    {
        Slot = slot;
        Tokens = tokens;
        Rest = rest;
        _promptTokens = promptTokens;
        _reused = reused;
        ContextLength = contextLength;
        _maxTokens = options.MaxTokens;
        _ignoreEos = options.IgnoreEos;
        _deadline = options.Deadline;
        _sampler = new Sampler(options.Sampler, vocab);
        _decoder = new StreamingDecoder(tokenizer);
        _stops = new StopSequenceFilter(options.StopSequences);
        _grammar = options.Grammar is { } g ? new GrammarMatcher(g, tokenizer) : null;
        _tokenizer = tokenizer;
        Cancellation = cancellationToken;
        if (options.TopLogprobs is { } top)
        {
            if (top is < 0 or > GenerationOptions.MaxTopLogprobs)
                throw new ArgumentOutOfRangeException(nameof(options), $"top logprobs must be 0..{GenerationOptions.MaxTopLogprobs} (got {top})");
            _topLogprobs = top;
            _exp = new float[vocab];
        }
    }

    /// <summary>The scheduler's KV cache slot of the session.</summary>
    public int Slot { get; }

    /// <summary>The session's tokens in the cache; rows are appended as they are evaluated.</summary>
    public List<int> Tokens { get; }

    /// <summary>Prompt tokens not yet evaluated, from <see cref="PromptDone"/> on.</summary>
    public int[] Rest { get; }
    public int PromptDone { get; set; }
    public bool InPrompt => PromptDone < Rest.Length;
    public int ContextLength { get; }

    /// <summary>The token to evaluate in the next step, once the prompt is done.</summary>
    public int Next { get; private set; }

    public CancellationToken Cancellation { get; }
    public bool Stopping => _abandoned || Cancellation.IsCancellationRequested;
    public int Generated { get; private set; }
    public GenerationStats? Stats { get; private set; }
    public ChannelReader<GeneratedPiece> Pieces => _pieces.Reader;

    /// <summary>Completes once the scheduler has retired the job.</summary>
    public Task Done => _done.Task;

    /// <summary>The reader left early: the scheduler ends the job at its next step.</summary>
    public void Abandon() => _abandoned = true;

    public void PromptFinished() => _promptSeconds = _clock.Elapsed.TotalSeconds;

    public void Count(long adjugateRuns, long layerTokens)
    {
        _adjugateRuns += adjugateRuns;
        _layerTokens += layerTokens;
    }

    /// <summary>
    /// Samples the next token from <paramref name="logits"/> and sends its text; returns the reason the generation
    /// ends, or null when <see cref="Next"/> is to be evaluated.
    /// </summary>
    public FinishReason? Advance(ReadOnlySpan<float> logits)
    {
        if (Generated >= _maxTokens || DateTimeOffset.UtcNow >= _deadline) return FinishReason.Length;
        if (Stopping) return FinishReason.Cancelled;
        var history = CollectionsMarshal.AsSpan(Tokens);
        var banned = _ignoreEos ? _tokenizer.StopIds : default;
        int token = _grammar is null ? _sampler.Sample(logits, history, ReadOnlySpan<ulong>.Empty, banned) : _sampler.Sample(logits, history, _grammar, banned);
        if (token < 0) return FinishReason.Stop; // the grammar allows nothing more
        Generated++;
        if (_tokenizer.IsStop(token)) return FinishReason.Stop;
        if (_topLogprobs is { } top) (_logprobs ??= []).Add(Logprob(logits, token, top));
        _grammar?.Accept(token);
        Send(_stops.Push(_decoder.Append(token).ToString()));
        if (_stops.Stopped || _grammar is { CanContinue: false }) return FinishReason.Stop;
        if (Tokens.Count >= ContextLength) return FinishReason.ContextFull;
        Next = token;
        return null;
    }

    /// <summary>Flushes the text held back, records the statistics and ends the stream.</summary>
    public void Finish(FinishReason finish, Model.GroveModel model)
    {
        if (!_stops.Stopped)
        {
            // What the stop filter and the decoder still hold is part of the answer (an end token or a complete
            // grammar sentence ends it as surely as the length limit).
            string rest = _stops.Push(_decoder.Flush().ToString());
            if (!_stops.Stopped) rest += _stops.Flush();
            Send(rest);
        }
        if (_logprobs is { Count: > 0 }) _pieces.Writer.TryWrite(new GeneratedPiece("", _logprobs));
        double adjugates = _layerTokens == 0 ? 0 : (double)_adjugateRuns / _layerTokens;
        Stats = new GenerationStats
        {
            PromptTokens = _promptTokens,
            ReusedTokens = _reused,
            PromptSeconds = _promptSeconds,
            GeneratedTokens = Generated,
            GenerationSeconds = _clock.Elapsed.TotalSeconds - _promptSeconds,
            AdjugatesPerToken = adjugates,
            ActiveParameters = model.ActiveParameters(adjugates),
            FinishReason = finish,
        };
        _pieces.Writer.TryComplete();
        _done.TrySetResult();
    }

    public void Fail(Exception error)
    {
        _pieces.Writer.TryComplete(error);
        _done.TrySetResult();
    }

    private void Send(string text)
    {
        if (text.Length == 0) return;
        _pieces.Writer.TryWrite(new GeneratedPiece(text, _logprobs));
        _logprobs = null;
    }

    /// <summary><paramref name="token"/>'s log-softmax under <paramref name="logits"/> and the <paramref name="top"/> best tokens'.</summary>
    private TokenLogprob Logprob(ReadOnlySpan<float> logits, int token, int top)
    {
        var exp = _exp.AsSpan(0, logits.Length);
        float max = TensorPrimitives.Max(logits);
        TensorPrimitives.Subtract(logits, max, exp);
        TensorPrimitives.Exp(exp, exp);
        float logSum = max + MathF.Log(TensorPrimitives.Sum(exp));
        var best = new List<int>(top + 1);
        for (int id = 0; id < logits.Length && top > 0; id++)
        {
            if (best.Count == top && logits[id] <= logits[best[^1]]) continue;
            int at = best.Count;
            while (at > 0 && logits[best[at - 1]] < logits[id]) at--;
            best.Insert(at, id);
            if (best.Count > top) best.RemoveAt(top);
        }
        var alternatives = new TokenLogprob[best.Count];
        for (int i = 0; i < alternatives.Length; i++) alternatives[i] = Entry(best[i], logits[best[i]] - logSum);
        return Entry(token, logits[token] - logSum) with { Top = alternatives };
    }

    private TokenLogprob Entry(int id, float logprob)
    {
        byte[] bytes = _tokenizer.TokenBytes(id).ToArray();
        return new TokenLogprob(id, System.Text.Encoding.UTF8.GetString(bytes), bytes, logprob);
    }
}
