using System.Text;
using GroveMoE.Cpu.AI;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.AI;

namespace GroveMoE.Cli.Serving;

/// <summary><c>POST /v1/chat/completions</c>, answered through the library's <see cref="GroveChatClient"/>.</summary>
internal sealed class ChatCompletionsEndpoint(GroveChatClient client, string modelName, Turns turns)
{
    public async Task HandleAsync(HttpContext context)
    {
        var request = await OpenAiJson.ReadBody<ChatCompletionRequest>(context.Request);
        var messages = RequestMapping.Messages(request);
        var options = RequestMapping.Options(request);
        using var turn = turns.Begin(context);
        long created = DateTimeOffset.UtcNow.ToUnixTimeSeconds();
        bool stream = request.Stream == true;

        await using var updates = turn.Follow(client.GetStreamingResponseAsync(messages, options, turn.Token)).GetAsyncEnumerator();
        bool more = await updates.MoveNextAsync(); // queueing and the prompt happen here, so their errors still get a status
        string id = more ? updates.Current.ResponseId! : $"chatcmpl-{Guid.NewGuid():N}";
        ServerSentEvents? events = null;
        if (stream)
        {
            events = new ServerSentEvents(context.Response);
            await events.StartAsync();
            await events.SendAsync(new ChatCompletionChunk(id, created, modelName, [new ChunkChoice(0, new Delta(Role: "assistant", Content: ""), null)]));
        }
        var answer = new StringBuilder();
        UsageDetails? usage = null;
        string? finish = null;
        int pieces = 0;
        for (; more; more = await updates.MoveNextAsync())
        {
            var update = updates.Current;
            foreach (var content in update.Contents) if (content is UsageContent u) usage = u.Details;
            string text = update.Text;
            if (text.Length > 0) { turn.Piece(); pieces++; }
            finish ??= update.FinishReason?.Value;
            if (events is null) answer.Append(text);
            else if (text.Length > 0 || update.FinishReason is not null)
            {
                var delta = new Delta(Content: text.Length > 0 ? text : null);
                await events.SendAsync(new ChatCompletionChunk(id, created, modelName, [new ChunkChoice(0, delta, update.FinishReason?.Value)]));
            }
        }
        if (finish is null) // cut off by the timeout or the shutdown: end as if max_tokens were reached
        {
            finish = "length";
            if (events is not null)
                await events.SendAsync(new ChatCompletionChunk(id, created, modelName, [new ChunkChoice(0, new Delta(), finish)]));
        }
        var record = turn.Record;
        record.PromptTokens = (int)(usage?.InputTokenCount ?? 0);
        record.CompletionTokens = (int)(usage?.OutputTokenCount ?? pieces);
        record.CachedTokens = (int)(usage?.CachedInputTokenCount ?? 0);
        record.Finish = finish;
        var totals = new Usage(record.PromptTokens, record.CompletionTokens, new PromptTokensDetails(record.CachedTokens));

        if (events is null)
        {
            var choice = new ChatChoice(0, new AssistantMessage(answer.ToString()), finish);
            await context.Response.WriteAsJsonAsync(new ChatCompletion(id, created, modelName, [choice], totals), OpenAiJson.Options, context.RequestAborted);
            return;
        }
        if (request.StreamOptions?.IncludeUsage == true) await events.SendAsync(new ChatCompletionChunk(id, created, modelName, [], totals));
        await events.DoneAsync();
    }
}
