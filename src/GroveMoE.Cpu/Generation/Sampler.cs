using System.Numerics.Tensors;

namespace GroveMoE.Cpu.Generation;

/// <summary>
/// Picks the next token from a row of logits with the stages of <see cref="SamplerOptions"/>. Buffers are sized
/// to the vocabulary once, so sampling allocates nothing per token.
/// </summary>
internal sealed class Sampler
{
    private readonly SamplerOptions _options;
    private readonly float[] _logits;
    private readonly int[] _candidates;
    private readonly float[] _weights;
    private readonly HashSet<int> _seen = [];
    private readonly Random _random;

    public Sampler(SamplerOptions options, int vocabSize)
    {
        options.Validate();
        _options = options;
        _logits = new float[vocabSize];
        _candidates = new int[vocabSize];
        _weights = new float[vocabSize];
        _random = new Random(unchecked((int)(options.Seed ?? (ulong)Environment.TickCount64) ^ (int)((options.Seed ?? 0) >> 32)));
    }

    public SamplerOptions Options => _options;

    /// <summary>Top-k up to this size is found among the best unmasked tokens before a grammar's whole mask is needed.</summary>
    private const int LazyTopK = 64;

    /// <summary>Refused tokens after which the grammar's whole mask is cheaper than asking on.</summary>
    private const int LazyRefusals = 16;

    /// <param name="logits">The logits of the next position.</param>
    /// <param name="history">Tokens so far (prompt and generated), for the penalties.</param>
    /// <param name="allowed">One bit per token id, set for the tokens that may be drawn (a grammar's mask); empty
    /// allows all.</param>
    /// <param name="banned">Tokens never drawn (end-of-text tokens under ignore_eos).</param>
    /// <returns>The token, or -1 when <paramref name="allowed"/> allows none.</returns>
    public int Sample(ReadOnlySpan<float> logits, ReadOnlySpan<int> history, ReadOnlySpan<ulong> allowed = default, ReadOnlySpan<int> banned = default)
    {
        var working = Prepare(logits, history, banned);
        if (!allowed.IsEmpty && !Mask(working, allowed)) return -1;
        return Choose(working);
    }

    /// <summary>
    /// The draw <see cref="Sample(ReadOnlySpan{float}, ReadOnlySpan{int}, ReadOnlySpan{ulong}, ReadOnlySpan{int})"/>
    /// makes with <paramref name="grammar"/>'s mask, token for token, often without the mask. Greedy and top-k
    /// sampling see only the k best allowed tokens, so the best tokens are taken in order and each is asked of the
    /// grammar (a few byte steps) until k are allowed. A state that refuses many of them is a narrow one, whose mask
    /// is cheap (the trie walk skips dead subtrees), so after <see cref="LazyRefusals"/> refusals the mask is used;
    /// a free-text state, whose mask walks most of the 151,936-token trie, is where asking wins (bench/README.md).
    /// </summary>
    public int Sample(ReadOnlySpan<float> logits, ReadOnlySpan<int> history, Grammar.GrammarMatcher grammar, ReadOnlySpan<int> banned = default)
    {
        var o = _options;
        var working = Prepare(logits, history, banned);
        if (grammar.KnownAllowedTokens is { } known) return Mask(working, known) ? Choose(working) : -1;
        int k = o.IsGreedy ? 1 : o.TopK;
        if (k is > 0 and <= LazyTopK)
        {
            int wanted = Math.Min(working.Length, k + LazyRefusals);
            int examined = TopK(working, wanted);
            int found = 0;
            for (int i = 0; i < examined && found < k; i++)
                if (grammar.Allows(_candidates[i])) _candidates[found++] = _candidates[i];
            // Enough allowed tokens, or every token with a finite logit was asked: the same k the mask would leave.
            if (found == k || found > 0 && examined < wanted) return o.IsGreedy ? _candidates[0] : Draw(working, found);
        }
        if (!Mask(working, grammar.AllowedTokens)) return -1;
        return Choose(working);
    }

    private Span<float> Prepare(ReadOnlySpan<float> logits, ReadOnlySpan<int> history, ReadOnlySpan<int> banned)
    {
        var working = _logits.AsSpan(0, logits.Length);
        logits.CopyTo(working);
        foreach (int token in banned) working[token] = float.NegativeInfinity;
        ApplyPenalties(working, history);
        return working;
    }

    private int Choose(Span<float> working)
    {
        var o = _options;
        if (o.IsGreedy) return TensorPrimitives.IndexOfMax(working);
        int count = TopK(working, o.TopK == 0 ? working.Length : Math.Min(o.TopK, working.Length));
        if (count == 0) return TensorPrimitives.IndexOfMax(working);
        return Draw(working, count);
    }

    /// <summary>A seeded draw among the first <paramref name="count"/> candidates (sorted, best first).</summary>
    private int Draw(ReadOnlySpan<float> working, int count)
    {
        var o = _options;
        var candidates = _candidates.AsSpan(0, count);
        var weights = _weights.AsSpan(0, count);

        // Softmax at the temperature over the (sorted, best first) candidates.
        float max = working[candidates[0]];
        float sum = 0;
        for (int i = 0; i < count; i++)
        {
            weights[i] = MathF.Exp((working[candidates[i]] - max) / o.Temperature);
            sum += weights[i];
        }

        // Top-p: the shortest prefix reaching the mass; min-p: drop tokens far below the best.
        float kept = 0, floor = o.MinP * weights[0];
        int n = 0;
        while (n < count && (n == 0 || (kept < o.TopP * sum && weights[n] >= floor)))
        {
            kept += weights[n];
            n++;
        }

        float draw = (float)_random.NextDouble() * kept;
        for (int i = 0; i < n; i++)
        {
            draw -= weights[i];
            if (draw < 0) return candidates[i];
        }
        return candidates[n - 1];
    }

    private void ApplyPenalties(Span<float> logits, ReadOnlySpan<int> history)
    {
        var o = _options;
        if (o.RepetitionPenalty == 1f && o.PresencePenalty == 0f || o.PenaltyWindow == 0) return;
        _seen.Clear();
        foreach (int token in history[Math.Max(0, history.Length - o.PenaltyWindow)..])
        {
            if ((uint)token >= (uint)logits.Length || !_seen.Add(token)) continue;
            float l = logits[token];
            l = l > 0 ? l / o.RepetitionPenalty : l * o.RepetitionPenalty;
            logits[token] = l - o.PresencePenalty;
        }
    }

    /// <summary>Sets the logits of the tokens <paramref name="allowed"/> leaves out to -∞; false when it allows none.</summary>
    private static bool Mask(Span<float> logits, ReadOnlySpan<ulong> allowed)
    {
        bool any = false;
        for (int w = 0; w * 64 < logits.Length; w++)
        {
            ulong bits = w < allowed.Length ? allowed[w] : 0;
            var word = logits.Slice(w * 64, Math.Min(64, logits.Length - w * 64));
            if (bits == ulong.MaxValue) { any = true; continue; }
            if (bits == 0) { word.Fill(float.NegativeInfinity); continue; }
            any = true;
            for (int i = 0; i < word.Length; i++)
                if ((bits & (1UL << i)) == 0) word[i] = float.NegativeInfinity;
        }
        return any;
    }

    /// <summary>
    /// Puts the indices of the <paramref name="k"/> largest finite logits in <c>_candidates</c>, best first; returns
    /// how many there are (fewer than k when a mask left fewer).
    /// </summary>
    private int TopK(ReadOnlySpan<float> logits, int k)
    {
        var candidates = _candidates.AsSpan(0, k);
        var keys = _weights.AsSpan(0, k);
        if (k > 256)
        {
            // Many candidates: gather the finite ones and sort, rather than insert into a long sorted prefix.
            int n = 0;
            for (int i = 0; i < logits.Length; i++)
            {
                if (float.IsNegativeInfinity(logits[i])) continue;
                _candidates[n] = i;
                _weights[n++] = logits[i];
            }
            k = Math.Min(k, n);
            candidates = _candidates.AsSpan(0, n);
            keys = _weights.AsSpan(0, n);
        }
        else
        {
            // Keep the best k in a sorted prefix; most logits fail the first comparison with the current k-th.
            int filled = 0;
            for (int i = 0; i < logits.Length; i++)
            {
                float v = logits[i];
                if (filled == k && v <= keys[k - 1]) continue;
                int at = filled < k ? filled++ : k - 1;
                while (at > 0 && keys[at - 1] < v)
                {
                    keys[at] = keys[at - 1];
                    candidates[at] = candidates[at - 1];
                    at--;
                }
                keys[at] = v;
                candidates[at] = i;
            }
            while (k > 0 && float.IsNegativeInfinity(keys[k - 1])) k--;
            return k;
        }
        // Descending by logit; the sort is deterministic, so a seed always picks the same token.
        keys.Sort(candidates, static (a, b) => b.CompareTo(a));
        return k;
    }
}
