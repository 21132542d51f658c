using System.Buffers.Binary;
using System.Numerics.Tensors;
using System.Text;
using GroveMoE.Cpu.CommandLine;

namespace GroveMoE.Cli.Commands;

/// <summary>
/// The base model's log-probabilities at every scored position, saved by <c>grove perplexity --kl-divergence-base</c>
/// and read back by <c>--kl-divergence</c>. Like llama-perplexity's file, each row is stored as 16-bit steps between
/// its smallest log-probability and 0 (a resolution of range/65535, about 5e-4 nats), so a row costs two bytes per
/// vocabulary entry. Layout: magic, vocab, chunk length, chunk count, the tokens, then rows of (min, step, uint16[vocab]).
/// </summary>
internal sealed class KlDivergenceBase : IDisposable
{
    private static readonly byte[] Magic = "GROVEKLD"u8.ToArray();
    private readonly Stream _stream;
    private readonly byte[] _row;

    private KlDivergenceBase(Stream stream, int vocab, int contextLength, int chunks, int[] tokens)
    {
        _stream = stream;
        Vocab = vocab;
        ContextLength = contextLength;
        Chunks = chunks;
        Tokens = tokens;
        _row = new byte[8 + 2 * vocab];
    }

    public int Vocab { get; }
    public int ContextLength { get; }
    public int Chunks { get; }
    public int[] Tokens { get; }

    public static KlDivergenceBase Create(string path, int vocab, int contextLength, int chunks, ReadOnlySpan<int> tokens)
    {
        var stream = new FileStream(path, FileMode.Create, FileAccess.Write, FileShare.None, 1 << 20);
        var header = new byte[Magic.Length + 16 + 4 * tokens.Length];
        Magic.CopyTo(header, 0);
        var fields = header.AsSpan(Magic.Length);
        BinaryPrimitives.WriteInt32LittleEndian(fields, vocab);
        BinaryPrimitives.WriteInt32LittleEndian(fields[4..], contextLength);
        BinaryPrimitives.WriteInt32LittleEndian(fields[8..], chunks);
        BinaryPrimitives.WriteInt32LittleEndian(fields[12..], tokens.Length);
        for (int i = 0; i < tokens.Length; i++) BinaryPrimitives.WriteInt32LittleEndian(fields[(16 + 4 * i)..], tokens[i]);
        stream.Write(header);
        return new KlDivergenceBase(stream, vocab, contextLength, chunks, tokens.ToArray());
    }

    /// <summary>Opens a saved base, checking its header against the file's length before reading anything else.</summary>
    public static KlDivergenceBase Open(string path)
    {
        if (!File.Exists(path)) throw new UserInputException($"no such file: {path}");
        var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, 1 << 20);
        try
        {
            var header = new byte[Magic.Length + 16];
            if (stream.ReadAtLeast(header, header.Length, throwOnEndOfStream: false) < header.Length || !header.AsSpan(0, Magic.Length).SequenceEqual(Magic))
                throw new UserInputException($"{path} is not a file written by grove perplexity --kl-divergence-base");
            var fields = header.AsSpan(Magic.Length);
            int vocab = BinaryPrimitives.ReadInt32LittleEndian(fields), ctx = BinaryPrimitives.ReadInt32LittleEndian(fields[4..]);
            int chunks = BinaryPrimitives.ReadInt32LittleEndian(fields[8..]), count = BinaryPrimitives.ReadInt32LittleEndian(fields[12..]);
            long rows = (long)chunks * ScoredPerChunk(ctx);
            bool sane = vocab > 0 && ctx >= 8 && chunks > 0 && count == (long)chunks * ctx
                && stream.Length == header.Length + 4L * count + rows * (8 + 2L * vocab);
            if (!sane) throw new UserInputException($"{path} is truncated or corrupt (its header does not match its length)");
            var bytes = new byte[4 * count];
            stream.ReadExactly(bytes);
            var tokens = new int[count];
            for (int i = 0; i < count; i++) tokens[i] = BinaryPrimitives.ReadInt32LittleEndian(bytes.AsSpan(4 * i));
            return new KlDivergenceBase(stream, vocab, ctx, chunks, tokens);
        }
        catch
        {
            stream.Dispose();
            throw;
        }
    }

    /// <summary>Positions ctx/2 .. ctx-2 of each chunk predict a token, as <c>grove perplexity</c> scores them.</summary>
    public static int ScoredPerChunk(int contextLength) => contextLength - 1 - contextLength / 2;

    /// <summary>Appends the log-softmax of <paramref name="logits"/>.</summary>
    public void Write(ReadOnlySpan<float> logits, Span<float> scratch)
    {
        LogSoftmax(logits, scratch);
        float min = TensorPrimitives.Min(scratch);
        float step = min < 0 ? -min / 65535 : 1;
        BinaryPrimitives.WriteSingleLittleEndian(_row, min);
        BinaryPrimitives.WriteSingleLittleEndian(_row.AsSpan(4), step);
        for (int i = 0; i < scratch.Length; i++)
            BinaryPrimitives.WriteUInt16LittleEndian(_row.AsSpan(8 + 2 * i), (ushort)Math.Clamp(MathF.Round((scratch[i] - min) / step), 0, 65535));
        _stream.Write(_row);
    }

    /// <summary>Reads the next row of base log-probabilities into <paramref name="logProbs"/>.</summary>
    public void Read(Span<float> logProbs)
    {
        _stream.ReadExactly(_row);
        float min = BinaryPrimitives.ReadSingleLittleEndian(_row), step = BinaryPrimitives.ReadSingleLittleEndian(_row.AsSpan(4));
        if (!float.IsFinite(min) || !float.IsFinite(step)) throw new UserInputException("the KL-divergence base holds a corrupt row");
        for (int i = 0; i < logProbs.Length; i++) logProbs[i] = min + step * BinaryPrimitives.ReadUInt16LittleEndian(_row.AsSpan(8 + 2 * i));
    }

    public static void LogSoftmax(ReadOnlySpan<float> logits, Span<float> destination)
    {
        float max = TensorPrimitives.Max(logits);
        double sum = 0;
        foreach (float v in logits) sum += Math.Exp(v - max);
        float shift = max + (float)Math.Log(sum);
        TensorPrimitives.Subtract(logits, shift, destination);
    }

    public void Dispose() => _stream.Dispose();
}

/// <summary>KL divergence of a model's next-token distributions from a base's, position by position, as llama-perplexity reports it.</summary>
internal sealed class KlDivergenceStats
{
    private readonly List<double> _divergences = [];
    private double _baseNll, _nll;
    private int _sameTop;

    public int Count => _divergences.Count;

    /// <param name="baseLogProbs">the base's log-probabilities</param>
    /// <param name="logProbs">this model's log-probabilities at the same position</param>
    /// <param name="next">the token that follows</param>
    public void Add(ReadOnlySpan<float> baseLogProbs, ReadOnlySpan<float> logProbs, int next)
    {
        double kl = 0;
        for (int i = 0; i < baseLogProbs.Length; i++)
        {
            double p = Math.Exp(baseLogProbs[i]);
            kl += p * (baseLogProbs[i] - logProbs[i]);
        }
        _divergences.Add(Math.Max(0, kl));
        if (TensorPrimitives.IndexOfMax(baseLogProbs) == TensorPrimitives.IndexOfMax(logProbs)) _sameTop++;
        _baseNll -= baseLogProbs[next];
        _nll -= logProbs[next];
    }

    public string Summary()
    {
        int n = _divergences.Count;
        double mean = _divergences.Average();
        double variance = _divergences.Sum(d => (d - mean) * (d - mean)) / Math.Max(1, n - 1);
        var sorted = _divergences.Order().ToArray();
        double p99 = sorted[Math.Min(n - 1, (int)Math.Ceiling(0.99 * n) - 1)];
        double basePpl = Math.Exp(_baseNll / n), ppl = Math.Exp(_nll / n);
        return $"KL divergence: mean {mean:F6} ± {Math.Sqrt(variance / n):F6}, 99th percentile {p99:F6}, max {sorted[^1]:F6}; " +
            $"top-1 agreement {100.0 * _sameTop / n:F2}%; perplexity ratio {ppl / basePpl:F4} ({ppl:F4} vs base {basePpl:F4}) over {n} tokens";
    }
}
