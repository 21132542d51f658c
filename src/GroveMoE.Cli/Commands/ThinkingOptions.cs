using System.CommandLine;
using GroveMoE.Cpu.CommandLine;

namespace GroveMoE.Cli.Commands;

/// <summary><c>--think</c> / <c>--no-think</c> (Qwen3's thinking mode; on unless turned off) and <c>--hide-thinking</c>.</summary>
internal sealed class ThinkingOptions
{
    private readonly Option<bool> _think = new("--think") { Description = "let the model think before it answers (the default)" };
    private readonly Option<bool> _noThink = new("--no-think") { Description = "turn Qwen3's thinking mode off" };
    private readonly Option<bool> _hide = new("--hide-thinking") { Description = "leave the thinking out of the output (the model still thinks)" };

    public void AddTo(Command command)
    {
        command.Options.Add(_think);
        command.Options.Add(_noThink);
        command.Options.Add(_hide);
    }

    public bool Thinking(ParseResult parse)
    {
        if (parse.GetValue(_think) && parse.GetValue(_noThink)) throw new UserInputException("give --think or --no-think, not both");
        return !parse.GetValue(_noThink);
    }

    public bool Hide(ParseResult parse) => parse.GetValue(_hide);
}
