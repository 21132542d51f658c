using GroveMoE.Cpu;
using GroveMoE.Cpu.AI;
using GroveMoE.Cpu.Generation;
using Microsoft.AspNetCore.Http;

namespace GroveMoE.Cli.Serving;

/// <summary><c>POST /v1/completions</c>: a raw prompt continued, no chat template.</summary>
internal sealed class CompletionsEndpoint(SessionPool pool, GroveChatClient client, string modelName, Turns turns, Action<string>? debug)
{
    public async Task HandleAsync(HttpContext context)
    {
        var r = await OpenAiJson.ReadBody<CompletionRequest>(context.Request, debug);
        string text = RequestMapping.Prompt(r);
        var generation = client.GenerationOptionsFor(RequestMapping.Sampling(r.MaxTokens, r.Temperature, r.TopP, r.TopK, r.MinP,
            r.RepeatPenalty, r.PresencePenalty, r.Seed, r.Stop, topLogprobs: RequestMapping.TopLogprobs(r)));
        bool wantLogprobs = generation.TopLogprobs is not null;
        using var turn = turns.Begin(context);
        generation = generation with { Deadline = turn.Deadline };
        string id = $"cmpl-{Guid.NewGuid():N}";
        long created = DateTimeOffset.UtcNow.ToUnixTimeSeconds();

        LanguageModel model = pool.Model;
        int[] prompt = model.Tokenizer.Encode(text);
        using var lease = await pool.RentAsync(prompt, turn.Token);
        var session = lease.Session;
        await using var pieces = session.GenerateAsync(prompt, generation, turn.Token).GetAsyncEnumerator(turn.Token);
        bool more = await pieces.MoveNextAsync(); // the prompt is evaluated here, so its errors still get a status

        using var events = r.Stream == true ? new ServerSentEvents(context.Response) : null;
        if (events is not null)
        {
            await events.StartAsync();
        }
        var answer = new System.Text.StringBuilder();
        var tokens = new List<TokenLogprob>();
        int offset = 0; // characters of the answer streamed so far
        GenerationStats? final = null;
        for (; more; more = await pieces.MoveNextAsync())
        {
            var piece = pieces.Current;
            if (piece.Logprobs is { } logprobs) tokens.AddRange(logprobs);
            if (piece.Stats is { } last)
            {
                final = last;
                continue;
            }
            turn.Piece();
            if (events is null) answer.Append(piece.Text);
            else
            {
                await events.SendAsync(new TextCompletion(id, created, modelName,
                    [new TextChoice(0, piece.Text, null, wantLogprobs ? LegacyLogprobs.Of(tokens, offset) : null)]));
                offset += tokens.Sum(t => t.Text.Length);
                tokens.Clear();
            }
        }
        context.RequestAborted.ThrowIfCancellationRequested();
        var stats = final!;
        var record = turn.Record;
        (record.PromptTokens, record.CompletionTokens, record.CachedTokens) = (stats.PromptTokens, stats.GeneratedTokens, stats.ReusedTokens);
        record.Finish = stats.FinishReason == FinishReason.Stop ? "stop" : "length";
        var usage = new Usage(stats.PromptTokens, stats.GeneratedTokens, new PromptTokensDetails(stats.ReusedTokens));

        if (events is null)
        {
            await OpenAiJson.WriteAsync(context.Response, new TextCompletion(id, created, modelName,
                [new TextChoice(0, answer.ToString(), record.Finish, wantLogprobs ? LegacyLogprobs.Of(tokens, 0) : null)], usage),
                context.RequestAborted);
            return;
        }
        await events.SendAsync(new TextCompletion(id, created, modelName,
            [new TextChoice(0, "", record.Finish, wantLogprobs && tokens.Count > 0 ? LegacyLogprobs.Of(tokens, offset) : null)]));
        if (r.StreamOptions?.IncludeUsage == true) await events.SendAsync(new TextCompletion(id, created, modelName, [], usage));
        await events.DoneAsync();
    }
}
