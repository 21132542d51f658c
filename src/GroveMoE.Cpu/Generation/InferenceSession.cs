using System.Diagnostics;
using System.Runtime.CompilerServices;
using GroveMoE.Cpu.Grammar;
using GroveMoE.Cpu.Model;
using GroveMoE.Cpu.Tokenization;

namespace GroveMoE.Cpu.Generation;

/// <summary>
/// One conversation's state: a KV cache and the tokens in it. A new prompt that starts with tokens already in
/// the cache evaluates only the rest, so multi-turn chat does not re-read its history. Not thread-safe; open one
/// session per concurrent conversation over a shared <see cref="GroveModel"/>.
/// </summary>
public sealed class InferenceSession : IDisposable
{
    private readonly GroveModel _model;
    private readonly GroveTokenizer _tokenizer;
    private readonly GroveForward _forward;
    private readonly ILayerOffload? _offload;
    private readonly List<int> _tokens = [];
    private readonly float[] _logits;

    public InferenceSession(GroveModel model, GroveTokenizer tokenizer, SessionOptions? options = null)
    {
        options ??= new SessionOptions();
        _model = model;
        _tokenizer = tokenizer;
        _offload = options.LayerOffload?.Invoke(model, options);
        _forward = new GroveForward(model, options.ContextLength, options.Threads, options.BatchSize, options.KvCacheType)
        {
            Offload = _offload,
        };
        _logits = new float[model.Config.Vocab];
    }

    public GroveModel Model => _model;
    public GroveTokenizer Tokenizer => _tokenizer;
    public int ContextLength => _forward.ContextLength;
    public int Threads => _forward.ThreadCount;

    /// <summary>The tokens whose keys and values are in the cache, in order.</summary>
    public IReadOnlyList<int> Tokens => _tokens;

    /// <summary>Statistics of the last <see cref="GenerateAsync"/>, complete once its enumeration ends.</summary>
    public GenerationStats? LastStats { get; private set; }

    /// <summary>Empties the cache.</summary>
    public void Reset()
    {
        _forward.Rewind(0);
        _tokens.Clear();
    }

    /// <summary>
    /// Generates a continuation of <paramref name="prompt"/> (token ids, e.g. a rendered chat), streaming text pieces
    /// that are always whole UTF-8 characters. Throws <see cref="ContextFullException"/> when the prompt alone does
    /// not fit; generation that fills the context ends with <see cref="FinishReason.ContextFull"/>.
    /// Cancellation ends the stream quietly with <see cref="FinishReason.Cancelled"/>; the cache keeps what was evaluated.
    /// </summary>
    public async IAsyncEnumerable<string> GenerateAsync(IReadOnlyList<int> prompt, GenerationOptions? options = null,
        [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        options ??= new GenerationOptions();
        if (prompt.Count == 0) throw new ArgumentException("the prompt has no tokens");
        if (prompt.Count >= ContextLength) throw new ContextFullException(ContextLength, prompt.Count + 1);
        var sampler = new Sampler(options.Sampler, _model.Config.Vocab);
        var decoder = new StreamingDecoder(_tokenizer);
        var stops = new StopSequenceFilter(options.StopSequences);
        var grammar = options.Grammar is { } g ? new GrammarMatcher(g, _tokenizer) : null;
        await Task.Yield(); // the caller's context is free while the first token is computed

        _forward.Stats.Reset();
        var clock = Stopwatch.StartNew();
        int reused = Prefill(prompt);
        double promptSeconds = clock.Elapsed.TotalSeconds;
        clock.Restart();

        int generated = 0;
        var finish = FinishReason.Length;
        while (generated < options.MaxTokens)
        {
            if (cancellationToken.IsCancellationRequested) { finish = FinishReason.Cancelled; break; }
            int token = sampler.Sample(_logits, System.Runtime.InteropServices.CollectionsMarshal.AsSpan(_tokens),
                grammar is null ? default : grammar.AllowedTokens);
            if (token < 0) { finish = FinishReason.Stop; break; } // the grammar allows nothing more
            generated++;
            if (_tokenizer.IsStop(token)) { finish = FinishReason.Stop; break; }
            grammar?.Accept(token);

            string text = stops.Push(decoder.Append(token).ToString());
            if (text.Length > 0) yield return text;
            if (stops.Stopped || grammar is { CanContinue: false }) { finish = FinishReason.Stop; break; }
            if (_tokens.Count >= ContextLength) { finish = FinishReason.ContextFull; break; }
            EvaluateNext(token);
        }
        if (!stops.Stopped)
        {
            // What the stop filter and the decoder still hold is part of the answer (an end token or a complete
            // grammar sentence ends it as surely as the length limit).
            string rest = stops.Push(decoder.Flush().ToString());
            if (!stops.Stopped) rest += stops.Flush();
            if (rest.Length > 0) yield return rest;
        }

        double adjugates = _forward.Stats.AdjugatesPerTokenLayer;
        LastStats = new GenerationStats
        {
            PromptTokens = prompt.Count,
            ReusedTokens = reused,
            PromptSeconds = promptSeconds,
            GeneratedTokens = generated,
            GenerationSeconds = clock.Elapsed.TotalSeconds,
            AdjugatesPerToken = adjugates,
            ActiveParameters = _model.ActiveParameters(adjugates),
            FinishReason = finish,
        };
    }

    /// <summary>Brings the cache to <paramref name="prompt"/>, reusing its longest cached prefix; returns the count reused.</summary>
    private int Prefill(IReadOnlyList<int> prompt)
    {
        int common = 0;
        while (common < _tokens.Count && common < prompt.Count && _tokens[common] == prompt[common]) common++;
        if (common == prompt.Count) common--; // the last prompt token must be evaluated for its logits
        _forward.Rewind(common);
        _tokens.RemoveRange(common, _tokens.Count - common);

        var rest = new int[prompt.Count - common];
        for (int i = 0; i < rest.Length; i++) rest[i] = prompt[common + i];
        _forward.Evaluate(rest, _logits);
        _tokens.AddRange(rest);
        return common;
    }

    private void EvaluateNext(int token)
    {
        Span<int> one = [token];
        _forward.Evaluate(one, _logits);
        _tokens.Add(token);
    }

    public void Dispose()
    {
        _forward.Dispose();
        _offload?.Dispose();
    }
}
