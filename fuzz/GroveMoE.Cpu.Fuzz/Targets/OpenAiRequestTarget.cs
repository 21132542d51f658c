using System.Text;
using System.Text.Json;
using GroveMoE.Cli.Serving;

namespace GroveMoE.Cpu.Fuzz.Targets;

/// <summary>
/// A request body as <c>grove serve</c> reads it, as a chat completion and as a completion, mapped to the model's
/// messages and options. Documented failures are those the server answers with a 4xx error object; a 500 is a bug.
/// </summary>
public sealed class OpenAiRequestTarget : FuzzTarget
{
    public override string Name => "openai-request";

    public override IReadOnlyList<byte[]> Seeds { get; } =
    [
        .. new[]
        {
            """{"model":"grove","messages":[{"role":"system","content":"Be brief."},{"role":"user","content":"Hi"}],"temperature":0.7,"top_p":0.9,"max_tokens":16,"stop":["\n\n","END"],"seed":42,"stream":true,"stream_options":{"include_usage":true}}""",
            """{"messages":[{"role":"user","content":[{"type":"text","text":"a"},{"type":"text","text":"b"}]},{"role":"assistant","content":null}],"chat_template_kwargs":{"enable_thinking":false},"response_format":{"type":"text"},"n":1,"top_k":40,"min_p":0.05}""",
            """{"model":"grove","prompt":"Once upon a time","max_tokens":8,"echo":false,"stop":"\n","presence_penalty":0.5,"repeat_penalty":1.1}""",
            """{"prompt":["one prompt"],"logprobs":0,"suffix":"","best_of":1}""",
        }.Select(Encoding.UTF8.GetBytes),
    ];

    public override bool IsJson => true;

    public override bool IsDocumented(Exception e) => ErrorHandling.ToApiError(e).Status < 500;

    public override void Run(ReadOnlySpan<byte> input)
    {
        try
        {
            var chat = JsonSerializer.Deserialize<ChatCompletionRequest>(input, OpenAiJson.Options)
                ?? throw ApiErrorException.BadRequest("the request body must be a JSON object");
            _ = RequestMapping.Messages(chat);
            _ = RequestMapping.Options(chat);
        }
        catch (Exception e) when (IsDocumented(e))
        {
        }
        var completion = JsonSerializer.Deserialize<CompletionRequest>(input, OpenAiJson.Options)
            ?? throw ApiErrorException.BadRequest("the request body must be a JSON object");
        _ = RequestMapping.Prompt(completion);
        _ = RequestMapping.Sampling(completion.MaxTokens, completion.Temperature, completion.TopP, completion.TopK, completion.MinP,
            completion.RepeatPenalty, completion.PresencePenalty, completion.Seed, completion.Stop);
    }
}
