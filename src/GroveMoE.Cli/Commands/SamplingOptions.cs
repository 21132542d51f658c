using System.CommandLine;
using GroveMoE.Cpu.CommandLine;
using GroveMoE.Cpu.Generation;

namespace GroveMoE.Cli.Commands;

/// <summary>The sampler options <c>run</c> and <c>chat</c> share, named as in llama.cpp.</summary>
internal sealed class SamplingOptions
{
    private static readonly SamplerOptions Defaults = new();

    private readonly Option<float> _temperature = new Option<float>("--temp") { Description = "temperature; 0 is greedy", DefaultValueFactory = _ => Defaults.Temperature }.InRange(0f, 100f);
    private readonly Option<int> _topK = new Option<int>("--top-k") { Description = "keep the k most likely tokens; 0 keeps all", DefaultValueFactory = _ => Defaults.TopK }.InRange(0, int.MaxValue);
    private readonly Option<float> _topP = new Option<float>("--top-p") { Description = "nucleus sampling mass; 1 keeps all", DefaultValueFactory = _ => Defaults.TopP }.InRange(0f, 1f);
    private readonly Option<float> _minP = new Option<float>("--min-p") { Description = "drop tokens below this fraction of the best; 0 keeps all", DefaultValueFactory = _ => Defaults.MinP }.InRange(0f, 1f);
    private readonly Option<float> _repeatPenalty = new Option<float>("--repeat-penalty") { Description = "penalty for recent tokens; 1 is off", DefaultValueFactory = _ => Defaults.RepetitionPenalty }.InRange(0f, 100f);
    private readonly Option<float> _presencePenalty = new Option<float>("--presence-penalty") { Description = "subtracted from recent tokens' logits; 0 is off", DefaultValueFactory = _ => Defaults.PresencePenalty }.InRange(-100f, 100f);
    private readonly Option<int> _repeatLastN = new Option<int>("--repeat-last-n") { Description = "how many recent tokens the penalties look at", DefaultValueFactory = _ => Defaults.PenaltyWindow }.InRange(0, int.MaxValue);
    private readonly Option<string?> _seed = SeedOption();

    /// <summary>
    /// As llama.cpp, -1 means a random seed (as leaving it out does). A string option checked by a validator: a custom
    /// parser of a nullable number cannot return "none" to System.CommandLine.
    /// </summary>
    private static Option<string?> SeedOption()
    {
        var option = new Option<string?>("--seed", "-s") { Description = "random seed; the same seed and prompt give the same text; -1: random" };
        option.Validators.Add(result =>
        {
            string? token = result.GetValueOrDefault<string?>();
            if (token is not null && token != "-1" && ParseSeed(token) is null)
                result.AddError($"--seed must be a whole number from 0 to {ulong.MaxValue}, or -1 for a random seed, not '{token}'");
        });
        return option;
    }

    private static ulong? ParseSeed(string? token) =>
        ulong.TryParse(token, System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out ulong seed) ? seed : null;

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
            Seed = ParseSeed(parse.GetValue(_seed)),
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
