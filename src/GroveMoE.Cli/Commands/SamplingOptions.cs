using System.CommandLine;
using GroveMoE.Cpu.CommandLine;
using GroveMoE.Cpu.Generation;

namespace GroveMoE.Cli.Commands;

/// <summary>The sampler options <c>run</c> and <c>chat</c> share, named as in llama.cpp.</summary>
internal sealed class SamplingOptions
{
    private static readonly SamplerOptions Defaults = new();

    private readonly Option<float> _temperature = new("--temp") { Description = "temperature; 0 is greedy", DefaultValueFactory = _ => Defaults.Temperature };
    private readonly Option<int> _topK = new("--top-k") { Description = "keep the k most likely tokens; 0 keeps all", DefaultValueFactory = _ => Defaults.TopK };
    private readonly Option<float> _topP = new("--top-p") { Description = "nucleus sampling mass; 1 keeps all", DefaultValueFactory = _ => Defaults.TopP };
    private readonly Option<float> _minP = new("--min-p") { Description = "drop tokens below this fraction of the best; 0 keeps all", DefaultValueFactory = _ => Defaults.MinP };
    private readonly Option<float> _repeatPenalty = new("--repeat-penalty") { Description = "penalty for recent tokens; 1 is off", DefaultValueFactory = _ => Defaults.RepetitionPenalty };
    private readonly Option<float> _presencePenalty = new("--presence-penalty") { Description = "subtracted from recent tokens' logits; 0 is off", DefaultValueFactory = _ => Defaults.PresencePenalty };
    private readonly Option<int> _repeatLastN = new("--repeat-last-n") { Description = "how many recent tokens the penalties look at", DefaultValueFactory = _ => Defaults.PenaltyWindow };
    private readonly Option<ulong?> _seed = new("--seed", "-s") { Description = "random seed; the same seed and prompt give the same text" };

    public void AddTo(Command command)
    {
        foreach (var option in new Option[] { _temperature, _topK, _topP, _minP, _repeatPenalty, _presencePenalty, _repeatLastN, _seed })
            command.Options.Add(option);
    }

    public SamplerOptions Read(ParseResult parse)
    {
        var options = new SamplerOptions
        {
            Temperature = parse.GetValue(_temperature),
            TopK = parse.GetValue(_topK),
            TopP = parse.GetValue(_topP),
            MinP = parse.GetValue(_minP),
            RepetitionPenalty = parse.GetValue(_repeatPenalty),
            PresencePenalty = parse.GetValue(_presencePenalty),
            PenaltyWindow = parse.GetValue(_repeatLastN),
            Seed = parse.GetValue(_seed),
        };
        try
        {
            options.Validate();
        }
        catch (ArgumentException e)
        {
            throw new UserInputException(e.Message);
        }
        return options;
    }
}
