using GroveMoE.Cpu.AI;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.AI;

namespace GroveMoE.Cli.Serving;

/// <summary><c>POST /v1/chat/completions</c>, answered through the library's <see cref="GroveChatClient"/>.</summary>
internal sealed class ChatCompletionsEndpoint(GroveChatClient client, string modelName)
{
    public async Task HandleAsync(HttpContext context)
    {
        var request = await OpenAiJson.ReadBody<ChatCompletionRequest>(context.Request);
        var messages = RequestMapping.Messages(request);
        var options = RequestMapping.Options(request);
        var cancel = context.RequestAborted;
        long created = DateTimeOffset.UtcNow.ToUnixTimeSeconds();

        if (request.Stream != true)
        {
            var response = await client.GetResponseAsync(messages, options, cancel);
            var answer = new ChatChoice(0, new AssistantMessage(response.Text), FinishReason(response.FinishReason));
            await context.Response.WriteAsJsonAsync(
                new ChatCompletion(response.ResponseId!, created, modelName, [answer], Usage(response.Usage)), OpenAiJson.Options, cancel);
            return;
        }

        await using var updates = client.GetStreamingResponseAsync(messages, options, cancel).GetAsyncEnumerator(cancel);
        bool more = await updates.MoveNextAsync(); // queueing and the prompt happen here, so their errors still get a status
        string id = updates.Current.ResponseId!;
        var events = new ServerSentEvents(context.Response);
        await events.StartAsync();
        await events.SendAsync(new ChatCompletionChunk(id, created, modelName, [new ChunkChoice(0, new Delta(Role: "assistant", Content: ""), null)]));
        UsageDetails? usage = null;
        for (; more; more = await updates.MoveNextAsync())
        {
            var update = updates.Current;
            foreach (var content in update.Contents) if (content is UsageContent u) usage = u.Details;
            string text = update.Text;
            if (text.Length > 0 || update.FinishReason is not null)
            {
                var delta = new Delta(Content: text.Length > 0 ? text : null);
                await events.SendAsync(new ChatCompletionChunk(id, created, modelName, [new ChunkChoice(0, delta, FinishReason(update.FinishReason))]));
            }
        }
        if (request.StreamOptions?.IncludeUsage == true) await events.SendAsync(new ChatCompletionChunk(id, created, modelName, [], Usage(usage)));
        await events.DoneAsync();
    }

    private static string? FinishReason(ChatFinishReason? reason) => reason?.Value;

    public static Usage Usage(UsageDetails? usage) => new(
        (int)(usage?.InputTokenCount ?? 0), (int)(usage?.OutputTokenCount ?? 0), new PromptTokensDetails((int)(usage?.CachedInputTokenCount ?? 0)));
}
