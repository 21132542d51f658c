using GroveMoE.Cpu.Generation;
using Spectre.Console;

namespace GroveMoE.Cli.Output;

/// <summary>The one-line summary after an answer: speeds, adjugate experts and active parameters per token.</summary>
internal static class StatsLine
{
    public static string Format(GenerationStats s)
    {
        string reused = s.ReusedTokens > 0 ? $", {s.ReusedTokens} from cache" : "";
        string line = $"prompt {s.PromptTokens} tok{reused}: {s.PromptTokensPerSecond:F1} t/s · " +
            $"generation {s.GeneratedTokens} tok: {s.GenerationTokensPerSecond:F1} t/s · " +
            $"adjugate experts {s.AdjugatesPerToken:F2}/token/layer · active {Units.Count(s.ActiveParameters)} params/token";
        return $"[grey]{Markup.Escape(line)}[/]";
    }
}
