using System.Text;
using System.Text.Json;
using System.Text.Json.Serialization.Metadata;
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
        var reasoning = new StringBuilder();
        var calls = new List<ToolCallBody>();
        UsageDetails? usage = null;
        string? finish = null;
        int pieces = 0;
        for (; more; more = await updates.MoveNextAsync())
        {
            var update = updates.Current;
            var deltas = new List<Delta>();
            foreach (var content in update.Contents)
            {
                switch (content)
                {
                    case UsageContent u:
                        usage = u.Details;
                        break;
                    case TextContent { Text.Length: > 0 } t:
                        answer.Append(t.Text);
                        deltas.Add(new Delta(Content: t.Text));
                        break;
                    case TextReasoningContent { Text.Length: > 0 } r:
                        reasoning.Append(r.Text);
                        deltas.Add(new Delta(ReasoningContent: r.Text));
                        break;
                    case FunctionCallContent call:
                        string arguments = JsonSerializer.Serialize(call.Arguments ?? new Dictionary<string, object?>(), (JsonTypeInfo<IDictionary<string, object?>>)AIJsonUtilities.DefaultOptions.GetTypeInfo(typeof(IDictionary<string, object?>)));
                        int index = calls.Count;
                        calls.Add(new ToolCallBody(call.CallId, new FunctionBody(call.Name, arguments)));
                        // id and name first, then the arguments, as OpenAI streams them
                        deltas.Add(new Delta(ToolCalls: [new ToolCallDelta(index, call.CallId, "function", new FunctionDelta(call.Name, ""))]));
                        deltas.Add(new Delta(ToolCalls: [new ToolCallDelta(index, null, null, new FunctionDelta(null, arguments))]));
                        break;
                }
            }
            if (deltas.Count > 0) { turn.Piece(); pieces++; }
            finish ??= update.FinishReason?.Value;
            if (events is null) continue;
            foreach (var delta in deltas)
                await events.SendAsync(new ChatCompletionChunk(id, created, modelName, [new ChunkChoice(0, delta, null)]));
            if (update.FinishReason is { } reason)
                await events.SendAsync(new ChatCompletionChunk(id, created, modelName, [new ChunkChoice(0, new Delta(), reason.Value)]));
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
            var message = new AssistantMessage(calls.Count > 0 && answer.Length == 0 ? null : answer.ToString(),
                calls.Count > 0 ? calls : null, reasoning.Length > 0 ? reasoning.ToString() : null);
            var choice = new ChatChoice(0, message, finish);
            await OpenAiJson.WriteAsync(context.Response, new ChatCompletion(id, created, modelName, [choice], totals), context.RequestAborted);
            return;
        }
        if (request.StreamOptions?.IncludeUsage == true) await events.SendAsync(new ChatCompletionChunk(id, created, modelName, [], totals));
        await events.DoneAsync();
    }
}
