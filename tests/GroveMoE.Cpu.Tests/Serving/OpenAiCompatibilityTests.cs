using System.ClientModel;
using System.Net;
using System.Text;
using System.Text.Json;
using GroveMoE.Cli.Serving;
using GroveMoE.Cpu.AI;
using GroveMoE.Cpu.Generation;
using GroveMoE.Cpu.Model;
using Microsoft.Extensions.AI;
using OpenAI;
using OpenAI.Chat;
using ChatCompletion = OpenAI.Chat.ChatCompletion;

namespace GroveMoE.Cpu.Tests.Serving;

/// <summary>What front-ends and SDKs send beyond the basics: logprobs (OpenAI's and llama-server's n_probs), the
/// sampling fields of llama.cpp, and fields grove does not know (named at debug level).</summary>
public sealed class OpenAiCompatibilityTests(TinyLanguageModelFixture tiny) : IClassFixture<TinyLanguageModelFixture>
{
    private const string Prompt = "Tell me something";

    private Task<OpenAiServer> Start(List<string>? debug = null) => OpenAiServer.StartAsync(tiny.Model, new ServeOptions
    {
        Port = 0,
        Session = TinyLanguageModelFixture.Session,
        Thinking = false,
        Debug = debug is null ? null : line => { lock (debug) debug.Add(line); },
    });

    private static ChatClient Sdk(OpenAiServer server) =>
        new("tiny", new ApiKeyCredential("none"), new OpenAIClientOptions { Endpoint = new Uri(server.Address, "v1") });

    /// <summary>
    /// Greedy answers with logprobs, streamed and not, checked against the model's own logits for the same tokens
    /// (an independent forward pass over prompt + answer, log-softmax in double): each token is the best one, its
    /// logprob and the top alternatives (bytes and values, best first) are the reference's.
    /// </summary>
    [Fact]
    public async Task LogprobsAreTheModelsStreamingAndNot()
    {
        await using var server = await Start();
        var client = Sdk(server);
        var options = new ChatCompletionOptions { Temperature = 0, MaxOutputTokenCount = 8, IncludeLogProbabilities = true, TopLogProbabilityCount = 3 };
        ChatCompletion completion = await client.CompleteChatAsync([new UserChatMessage(Prompt)], options);
        var tokens = completion.ContentTokenLogProbabilities;
        Assert.Equal(completion.Usage.OutputTokenCount, tokens.Count);
        Assert.Equal(completion.Content[0].Text, Encoding.UTF8.GetString(tokens.SelectMany(t => Bytes(t.Utf8Bytes)).ToArray()));
        AssertReference(tokens);

        var streamed = new List<ChatTokenLogProbabilityDetails>();
        await foreach (var update in client.CompleteChatStreamingAsync([new UserChatMessage(Prompt)], options))
            streamed.AddRange(update.ContentTokenLogProbabilities);
        Assert.Equal(tokens.Select(t => (t.Token, t.LogProbability)), streamed.Select(t => (t.Token, t.LogProbability)));

        // Without logprobs, none come.
        ChatCompletion plain = await client.CompleteChatAsync([new UserChatMessage(Prompt)], new ChatCompletionOptions { Temperature = 0, MaxOutputTokenCount = 4 });
        Assert.Empty(plain.ContentTokenLogProbabilities);
    }

    private void AssertReference(IReadOnlyList<ChatTokenLogProbabilityDetails> answer)
    {
        var model = tiny.Model.Model;
        int vocab = model.Config.Vocab;
        var ids = tiny.Model.EncodeChat([new ChatTurn(AuthorRole.User, Prompt)], thinking: false).ToList();
        int promptLength = ids.Count;
        for (int i = 0; i < answer.Count; i++) // greedy: each token is the argmax of the logits before it
        {
            var logits = new float[ids.Count * vocab];
            using (var forward = new GroveForward(model, ids.Count, 1, kvCacheType: TinyLanguageModelFixture.Session.KvCacheType)) forward.Evaluate(ids.ToArray(), logits, allPositions: true);
            var last = logits.AsSpan((ids.Count - 1) * vocab, vocab).ToArray();
            double max = double.NegativeInfinity, sum = 0;
            foreach (float l in last) max = Math.Max(max, l);
            foreach (float l in last) sum += Math.Exp(l - max);
            double logSum = max + Math.Log(sum);
            var best = Enumerable.Range(0, vocab).OrderByDescending(id => last[id]).Take(3).ToArray();
            var token = answer[i];
            Assert.Equal(tiny.Model.Tokenizer.TokenBytes(best[0]).ToArray(), Bytes(token.Utf8Bytes));
            Assert.Equal(last[best[0]] - logSum, token.LogProbability, 2e-3);
            Assert.Equal(3, token.TopLogProbabilities.Count);
            for (int k = 0; k < 3; k++)
            {
                Assert.Equal(tiny.Model.Tokenizer.TokenBytes(best[k]).ToArray(), Bytes(token.TopLogProbabilities[k].Utf8Bytes));
                Assert.Equal(last[best[k]] - logSum, token.TopLogProbabilities[k].LogProbability, 2e-3);
            }
            ids.Add(best[0]);
        }
        Assert.True(ids.Count > promptLength);
    }

    [Fact]
    public async Task LlamaServersNProbsTurnsLogprobsOnAndBadCountsAre400()
    {
        await using var server = await Start();
        using var http = new HttpClient { BaseAddress = server.Address };
        using var json = JsonDocument.Parse(await Post(http, """{"messages":[{"role":"user","content":"hi"}],"max_tokens":3,"n_probs":2}""", HttpStatusCode.OK));
        var content = json.RootElement.GetProperty("choices")[0].GetProperty("logprobs").GetProperty("content");
        Assert.Equal(3, content.GetArrayLength());
        foreach (var token in content.EnumerateArray())
        {
            var top = token.GetProperty("top_logprobs");
            Assert.Equal(2, top.GetArrayLength());
            Assert.True(top[0].GetProperty("logprob").GetSingle() >= top[1].GetProperty("logprob").GetSingle());
            Assert.True(token.GetProperty("logprob").GetSingle() <= 0);
        }
        foreach (string bad in (string[])["\"top_logprobs\":3", "\"logprobs\":true,\"top_logprobs\":21", "\"n_probs\":-1"])
            await Post(http, $$"""{"messages":[{"role":"user","content":"hi"}],"max_tokens":1,{{bad}}}""", HttpStatusCode.BadRequest);
    }

    /// <summary>The legacy completions' logprobs: parallel lists, streamed and not; greedy, each token is the best of its top.</summary>
    [Fact]
    public async Task LegacyCompletionsGiveLogprobsStreamingAndNot()
    {
        await using var server = await Start();
        using var http = new HttpClient { BaseAddress = server.Address };
        using var json = JsonDocument.Parse(await Post(http, """{"prompt":"Once upon","max_tokens":5,"temperature":0,"logprobs":2}""", HttpStatusCode.OK, "v1/completions"));
        var choice = json.RootElement.GetProperty("choices")[0];
        var logprobs = choice.GetProperty("logprobs");
        var tokens = logprobs.GetProperty("tokens").EnumerateArray().Select(t => t.GetString()!).ToList();
        Assert.Equal(json.RootElement.GetProperty("usage").GetProperty("completion_tokens").GetInt32(), tokens.Count);
        var values = logprobs.GetProperty("token_logprobs").EnumerateArray().Select(v => v.GetSingle()).ToList();
        var tops = logprobs.GetProperty("top_logprobs").EnumerateArray().ToList();
        var offsets = logprobs.GetProperty("text_offset").EnumerateArray().Select(v => v.GetInt32()).ToList();
        for (int i = 0; i < tokens.Count; i++)
        {
            Assert.True(values[i] <= 0);
            var top = tops[i].EnumerateObject().ToList();
            Assert.InRange(top.Count, 1, 2);
            Assert.Equal(top.Max(t => t.Value.GetSingle()), values[i]);
            Assert.Equal(tokens.Take(i).Sum(t => t.Length), offsets[i]);
        }

        var streamed = new List<string>();
        var stream = await http.PostAsync("v1/completions", new StringContent("""{"prompt":"Once upon","max_tokens":5,"temperature":0,"logprobs":2,"stream":true}""", Encoding.UTF8, "application/json"));
        foreach (string line in (await stream.Content.ReadAsStringAsync()).Split('\n'))
        {
            if (!line.StartsWith("data: {", StringComparison.Ordinal)) continue;
            using var chunk = JsonDocument.Parse(line["data: ".Length..]);
            if (chunk.RootElement.GetProperty("choices") is { ValueKind: JsonValueKind.Array } choices && choices.GetArrayLength() > 0
                && choices[0].TryGetProperty("logprobs", out var part))
                streamed.AddRange(part.GetProperty("tokens").EnumerateArray().Select(t => t.GetString()!));
        }
        Assert.Equal(tokens, streamed);
        await Post(http, """{"prompt":"hi","max_tokens":1,"logprobs":6}""", HttpStatusCode.BadRequest, "v1/completions");
    }

    /// <summary>llama.cpp's sampling fields change the draw: top_k 1 and min_p 1 are greedy at any temperature, a
    /// seed repeats a draw, and repeat_penalty, min_p, top_k and seed reach the sampler.</summary>
    [Fact]
    public async Task TopKMinPSeedAndRepeatPenaltyAreHonoured()
    {
        await using var server = await Start();
        using var http = new HttpClient { BaseAddress = server.Address };
        async Task<string> Answer(string fields)
        {
            using var json = JsonDocument.Parse(await Post(http, $$"""{"messages":[{"role":"user","content":"{{Prompt}}"}],"max_tokens":12,{{fields}}}""", HttpStatusCode.OK));
            return json.RootElement.GetProperty("choices")[0].GetProperty("message").GetProperty("content").GetString()!;
        }
        string greedy = await Answer("\"temperature\":0");
        Assert.Equal(greedy, await Answer("\"temperature\":5,\"top_k\":1,\"seed\":1"));
        Assert.Equal(greedy, await Answer("\"temperature\":5,\"top_k\":0,\"top_p\":1,\"min_p\":1,\"seed\":2"));
        string seeded = await Answer("\"temperature\":5,\"top_k\":0,\"top_p\":1,\"min_p\":0,\"seed\":7");
        Assert.Equal(seeded, await Answer("\"temperature\":5,\"top_k\":0,\"top_p\":1,\"min_p\":0,\"seed\":7"));
        Assert.NotEqual(greedy, seeded); // at temperature 5 over the whole vocabulary, a draw is not the greedy text

        var request = new ChatCompletionRequest { TopK = 7, MinP = 0.25f, RepeatPenalty = 1.3f, Seed = 99, Temperature = 0.7f };
        var sampler = new GroveChatClient(tiny.Model).GenerationOptionsFor(RequestMapping.Options(request)).Sampler;
        Assert.Equal((7, 0.25f, 1.3f, 99UL, 0.7f), (sampler.TopK, sampler.MinP, sampler.RepetitionPenalty, sampler.Seed!.Value, sampler.Temperature));
    }

    [Fact]
    public async Task UnknownFieldsAreNamedAtDebugLevel()
    {
        var debug = new List<string>();
        await using var server = await Start(debug);
        using var http = new HttpClient { BaseAddress = server.Address };
        await Post(http, """{"messages":[{"role":"user","content":"hi"}],"max_tokens":1,"top_k":3,"cache_prompt":true,"keep_alive":"5m","mirostat":2}""", HttpStatusCode.OK);
        await Post(http, """{"prompt":"hi","max_tokens":1,"min_p":0.1,"typical_p":0.9}""", HttpStatusCode.OK, "v1/completions");
        await Post(http, """{"messages":[{"role":"user","content":"hi"}],"max_tokens":1,"top_k":3}""", HttpStatusCode.OK);
        lock (debug)
        {
            Assert.Equal(2, debug.Count);
            Assert.Contains("/v1/chat/completions", debug[0]);
            Assert.EndsWith(": cache_prompt, keep_alive, mirostat", debug[0]);
            Assert.Contains("/v1/completions", debug[1]);
            Assert.EndsWith(": typical_p", debug[1]);
        }
    }

    private static byte[] Bytes(ReadOnlyMemory<byte>? bytes) => bytes?.ToArray() ?? [];

    private static async Task<string> Post(HttpClient http, string body, HttpStatusCode status, string path = "v1/chat/completions")
    {
        var response = await http.PostAsync(path, new StringContent(body, Encoding.UTF8, "application/json"));
        string text = await response.Content.ReadAsStringAsync();
        Assert.True(status == response.StatusCode, $"{(int)response.StatusCode} {text}");
        return text;
    }
}
