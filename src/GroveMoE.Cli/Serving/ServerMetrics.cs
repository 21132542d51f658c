using Microsoft.AspNetCore.Http;
using Prometheus;

namespace GroveMoE.Cli.Serving;

/// <summary>What the server is doing, for <c>GET /metrics</c> in Prometheus' text format (prometheus-net, one registry per server).</summary>
internal sealed class ServerMetrics
{
    /// <summary>What the server samples at each scrape.</summary>
    public readonly record struct Load(int Waiting, int Active, long KvCacheTokens, long KvCacheCapacity);

    private static readonly string[] KnownPaths = ["/v1/chat/completions", "/v1/completions", "/v1/models", "/health", "/metrics"];
    private readonly CollectorRegistry _registry = Metrics.NewCustomRegistry();
    private readonly Counter _requests, _promptTokens, _generatedTokens;
    private readonly Histogram _timeToFirstToken, _interTokenLatency, _duration;
    private readonly RecentRate _recentTokens = new();
    private readonly Func<long> _tokensSoFar;
    private long _countedTokens;

    /// <param name="generatedTokens">Tokens generated so far, all requests together (the library's count, not text pieces).</param>
    public ServerMetrics(Func<Load> sample, Func<long> generatedTokens)
    {
        _tokensSoFar = generatedTokens;
        var factory = Metrics.WithCustomRegistry(_registry);
        _requests = factory.CreateCounter("grove_requests_total", "Requests answered, by path and HTTP status (\"client_left\" when the client disconnected).",
            new CounterConfiguration { LabelNames = ["path", "status"] });
        _promptTokens = factory.CreateCounter("grove_prompt_tokens_total", "Prompt tokens of finished requests.");
        _generatedTokens = factory.CreateCounter("grove_generated_tokens_total", "Tokens generated.");
        _timeToFirstToken = factory.CreateHistogram("grove_time_to_first_token_seconds", "From a request's arrival to its first generated text.",
            new HistogramConfiguration { Buckets = Histogram.ExponentialBuckets(0.01, 2, 14) });
        _interTokenLatency = factory.CreateHistogram("grove_inter_token_latency_seconds", "Between consecutive pieces of a streamed answer.",
            new HistogramConfiguration { Buckets = Histogram.ExponentialBuckets(0.002, 2, 12) });
        _duration = factory.CreateHistogram("grove_request_duration_seconds", "Whole requests, arrival to last byte.",
            new HistogramConfiguration { Buckets = Histogram.ExponentialBuckets(0.01, 2, 16) });
        var waiting = factory.CreateGauge("grove_queue_length", "Requests waiting for a turn to generate.");
        var active = factory.CreateGauge("grove_active_sequences", "Requests generating now.");
        var cached = factory.CreateGauge("grove_kv_cache_tokens", "Tokens held in the KV caches.");
        var capacity = factory.CreateGauge("grove_kv_cache_capacity_tokens", "Tokens the KV caches can hold.");
        var rate = factory.CreateGauge("grove_generation_tokens_per_second", $"Tokens generated per second over the last {RecentRate.WindowSeconds} s, all requests together.");
        _registry.AddBeforeCollectCallback(() =>
        {
            var load = sample();
            waiting.Set(load.Waiting);
            active.Set(load.Active);
            cached.Set(load.KvCacheTokens);
            capacity.Set(load.KvCacheCapacity);
            CountTokens();
            rate.Set(_recentTokens.PerSecond());
        });
    }

    /// <summary>One generated piece of text; <paramref name="gap"/> since the previous one, null for the first.</summary>
    public void Piece(double? gap)
    {
        if (gap is { } g) _interTokenLatency.Observe(g);
        CountTokens();
    }

    /// <summary>Adds the tokens generated since the last look to the recent rate (sampled at each piece and scrape).</summary>
    private void CountTokens()
    {
        long total = _tokensSoFar();
        long added = total - Interlocked.Exchange(ref _countedTokens, total);
        if (added > 0) _recentTokens.Add(added);
    }

    public void Finished(HttpContext context, RequestRecord record, string status)
    {
        string path = context.Request.Path.Value is { } p && KnownPaths.Contains(p) ? p : "other";
        _requests.WithLabels(path, status).Inc();
        _duration.Observe(record.Elapsed.TotalSeconds);
        if (record.TimeToFirstToken is { } ttft) _timeToFirstToken.Observe(ttft);
        _promptTokens.Inc(record.PromptTokens);
        _generatedTokens.Inc(record.CompletionTokens);
    }

    public async Task WriteAsync(HttpContext context)
    {
        context.Response.ContentType = "text/plain; version=0.0.4; charset=utf-8";
        await _registry.CollectAndExportAsTextAsync(context.Response.Body, context.RequestAborted);
    }
}
