using System.Text;
using System.Text.Json;
using System.Text.Json.Serialization.Metadata;
using GroveMoE.Cpu.AI;
using GroveMoE.Cpu.Generation;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.AI;

namespace GroveMoE.Cli.Serving;

/// <summary><c>POST /v1/chat/completions</c>, answered through the library's <see cref="GroveChatClient"/>.</summary>
internal sealed class ChatCompletionsEndpoint(GroveChatClient client, string modelName, Turns turns, Action<string>? debug)
{
    public async Task HandleAsync(HttpContext context)
    {
        var request = await OpenAiJson.ReadBody<ChatCompletionRequest>(context.Request, debug);
        var messages = RequestMapping.Messages(request);
        var options = RequestMapping.Options(request);
        using var turn = turns.Begin(context);
        var typed = (options.RawRepresentationFactory?.Invoke(client) as GroveRequestOptions ?? new()) with { Deadline = turn.Deadline };
        options.RawRepresentationFactory = _ => typed;
        long created = DateTimeOffset.UtcNow.ToUnixTimeSeconds();
        bool stream = request.Stream == true;
        bool wantLogprobs = RequestMapping.TopLogprobs(request) is not null;

        await using var updates = turn.Follow(client.GetStreamingResponseAsync(messages, options, turn.Token)).GetAsyncEnumerator();
        bool more = await updates.MoveNextAsync(); // queueing and the prompt happen here, so their errors still get a status
        string id = more ? updates.Current.ResponseId! : $"chatcmpl-{Guid.NewGuid():N}";
        using var events = stream ? new ServerSentEvents(context.Response) : null;
        if (events is not null)
        {
            await events.StartAsync();
            await events.SendAsync(new ChatCompletionChunk(id, created, modelName, [new ChunkChoice(0, new Delta(Role: "assistant", Content: ""), null)]));
        }
        var answer = new StringBuilder();
        var reasoning = new StringBuilder();
        var calls = new List<ToolCallBody>();
        var streamedCalls = new Dictionary<string, int>(StringComparer.Ordinal); // call id → its index, once its start went out
        var logprobs = new List<LogprobEntry>();
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
                        calls.Add(new ToolCallBody(call.CallId, new FunctionBody(call.Name, arguments)));
                        if (streamedCalls.ContainsKey(call.CallId)) break; // its fragments went out as it was written
                        // id and name first, then the arguments, as OpenAI streams them
                        int index = streamedCalls.Count;
                        streamedCalls[call.CallId] = index;
                        deltas.Add(new Delta(ToolCalls: [new ToolCallDelta(index, call.CallId, "function", new FunctionDelta(call.Name, ""))]));
                        deltas.Add(new Delta(ToolCalls: [new ToolCallDelta(index, null, null, new FunctionDelta(null, arguments))]));
                        break;
                }
            }
            if (update.RawRepresentation is IReadOnlyList<ToolCallFragment> fragments)
            {
                foreach (var fragment in fragments)
                {
                    if (fragment.Name is { } name)
                    {
                        streamedCalls[fragment.CallId] = streamedCalls.Count;
                        deltas.Add(new Delta(ToolCalls: [new ToolCallDelta(streamedCalls[fragment.CallId], fragment.CallId, "function", new FunctionDelta(name, ""))]));
                    }
                    else if (streamedCalls.TryGetValue(fragment.CallId, out int at))
                    {
                        deltas.Add(new Delta(ToolCalls: [new ToolCallDelta(at, null, null, new FunctionDelta(null, fragment.Arguments))]));
                    }
                }
            }
            var tokens = Logprobs(update);
            if (tokens is not null) logprobs.AddRange(tokens);
            if (deltas.Count > 0) { turn.Piece(); pieces++; }
            finish ??= update.FinishReason?.Value;
            if (events is null) continue;
            if (tokens is not null && deltas.Count == 0) deltas.Add(new Delta());
            for (int i = 0; i < deltas.Count; i++) // the tokens' logprobs ride with the update's first chunk
                await events.SendAsync(new ChatCompletionChunk(id, created, modelName,
                    [new ChunkChoice(0, deltas[i], null, i == 0 && tokens is not null ? new ChoiceLogprobs(tokens) : null)]));
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
            var choice = new ChatChoice(0, message, finish, wantLogprobs ? new ChoiceLogprobs(logprobs) : null);
            await OpenAiJson.WriteAsync(context.Response, new ChatCompletion(id, created, modelName, [choice], totals), context.RequestAborted);
            return;
        }
        if (request.StreamOptions?.IncludeUsage == true) await events.SendAsync(new ChatCompletionChunk(id, created, modelName, [], totals));
        await events.DoneAsync();
    }

    /// <summary>The log-probabilities of the tokens an update's text came from, in OpenAI's shape.</summary>
    private static List<LogprobEntry>? Logprobs(ChatResponseUpdate update)
    {
        if (update.AdditionalProperties?.TryGetValue(GroveChatClient.LogprobsKey, out object? value) != true
            || value is not IReadOnlyList<TokenLogprob> { Count: > 0 } tokens) return null;
        static int[] Bytes(TokenLogprob t) => [.. t.Bytes];
        return tokens.Select(t => new LogprobEntry(t.Text, t.Logprob, Bytes(t), t.Top.Select(a => new TopLogprob(a.Text, a.Logprob, Bytes(a))).ToArray())).ToList();
    }
}
