using GroveMoE.Cpu;
using GroveMoE.Cpu.AI;
using GroveMoE.Cpu.Generation;
using Microsoft.AspNetCore.Http;

namespace GroveMoE.Cli.Serving;

/// <summary><c>POST /v1/completions</c>: a raw prompt continued, no chat template.</summary>
internal sealed class CompletionsEndpoint(SessionPool pool, GroveChatClient client, string modelName)
{
    public async Task HandleAsync(HttpContext context)
    {
        var r = await OpenAiJson.ReadBody<CompletionRequest>(context.Request);
        string text = RequestMapping.Prompt(r);
        var generation = client.ToGeneration(RequestMapping.Sampling(r.MaxTokens, r.Temperature, r.TopP, r.TopK, r.MinP,
            r.RepeatPenalty, r.PresencePenalty, r.Seed, r.Stop));
        var cancel = context.RequestAborted;
        string id = $"cmpl-{Guid.NewGuid():N}";
        long created = DateTimeOffset.UtcNow.ToUnixTimeSeconds();

        LanguageModel model = pool.Model;
        int[] prompt = model.Tokenizer.Encode(text);
        using var lease = await pool.RentAsync(prompt, cancel);
        var session = lease.Session;
        await using var pieces = session.GenerateAsync(prompt, generation, cancel).GetAsyncEnumerator(cancel);
        bool more = await pieces.MoveNextAsync(); // the prompt is evaluated here, so its errors still get a status

        if (r.Stream != true)
        {
            var answer = new System.Text.StringBuilder();
            for (; more; more = await pieces.MoveNextAsync()) answer.Append(pieces.Current);
            cancel.ThrowIfCancellationRequested();
            var stats = session.LastStats!;
            await context.Response.WriteAsJsonAsync(new TextCompletion(id, created, modelName,
                [new TextChoice(0, answer.ToString(), FinishReason(stats))], Usage(stats)), OpenAiJson.Options, cancel);
            return;
        }

        var events = new ServerSentEvents(context.Response);
        await events.StartAsync();
        for (; more; more = await pieces.MoveNextAsync())
            await events.SendAsync(new TextCompletion(id, created, modelName, [new TextChoice(0, pieces.Current, null)]));
        cancel.ThrowIfCancellationRequested();
        var last = session.LastStats!;
        await events.SendAsync(new TextCompletion(id, created, modelName, [new TextChoice(0, "", FinishReason(last))]));
        if (r.StreamOptions?.IncludeUsage == true) await events.SendAsync(new TextCompletion(id, created, modelName, [], Usage(last)));
        await events.DoneAsync();
    }

    private static string FinishReason(GenerationStats stats) => stats.FinishReason == Cpu.Generation.FinishReason.Stop ? "stop" : "length";

    private static Usage Usage(GenerationStats stats) =>
        new(stats.PromptTokens, stats.GeneratedTokens, new PromptTokensDetails(stats.ReusedTokens));
}
