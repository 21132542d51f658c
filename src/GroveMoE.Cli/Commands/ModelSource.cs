using System.CommandLine;
using GroveMoE.Cli.Hub;
using GroveMoE.Cpu.CommandLine;
using GroveMoE.Cpu.Hub;

namespace GroveMoE.Cli.Commands;

/// <summary>
/// Where a command's model comes from, one rule for every command: <c>--model FILE</c>, <c>--model hf.co/OWNER/REPO[:QUANT]</c>
/// or <c>-hf OWNER/REPO[:QUANT]</c> (the Hub cache, pulled when missing), else the built-in demo model.
/// </summary>
internal sealed class ModelSource
{
    private readonly Option<string?> _model = new("--model", "-m")
    {
        Description = "GGUF file, or a Hub model hf.co/OWNER/REPO[:QUANT] (pulled when not cached); default: the built-in demo model with random weights",
    };

    private readonly Option<string?> _hub = new("--hf-repo", "-hf")
    {
        Description = "Hub model OWNER/REPO[:QUANT] (as llama.cpp's -hf; default quant Q4_K_M, else Q8_0)",
    };

    public void AddTo(Command command)
    {
        command.Options.Add(_model);
        command.Options.Add(_hub);
    }

    /// <summary>True when neither option is given: the command will run the demo model.</summary>
    public bool IsDemo(ParseResult parse) => parse.GetValue(_model) is null && parse.GetValue(_hub) is null;

    /// <summary>The local path of the model file, pulling a Hub model the cache lacks; null for the demo model.</summary>
    public async Task<string?> ResolveAsync(ParseResult parse, CancellationToken cancel)
    {
        string? model = parse.GetValue(_model), hub = parse.GetValue(_hub);
        if (model is not null && hub is not null) throw new UserInputException("give --model or -hf, not both");
        if (hub is not null)
        {
            if (!ModelReference.TryParse(hub, requirePrefix: false, out var reference))
                throw new UserInputException($"-hf '{hub}' is not a Hub model: expected OWNER/REPO[:QUANT]");
            return await HubPull.GetOrPullAsync(reference, cancel);
        }
        if (model is null) return null;
        if (ModelReference.TryParse(model, requirePrefix: true, out var prefixed)) return await HubPull.GetOrPullAsync(prefixed, cancel);
        return Path.GetFullPath(model);
    }

    /// <summary>The model's path: the resolved file, else the demo model (built once, with its notice on stderr).</summary>
    public async Task<string> ResolveOrDemoAsync(ParseResult parse, CancellationToken cancel) =>
        await ResolveAsync(parse, cancel) ?? ModelLoader.DemoPath();
}
