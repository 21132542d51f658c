using GroveMoE.Cpu.Generation;

namespace GroveMoE.Cpu.Tests.Generation;

internal static class GenerationStreams
{
    /// <summary>The whole text of a generation stream and the statistics of its final update (which must come).</summary>
    public static async Task<(string Text, GenerationStats Stats)> CollectAsync(this IAsyncEnumerable<GenerationUpdate> updates)
    {
        var text = new System.Text.StringBuilder();
        GenerationStats? stats = null;
        await foreach (var update in updates)
        {
            Assert.Null(stats); // nothing follows the final update
            if (update.IsFinal) stats = update.Stats;
            else text.Append(update.Text);
        }
        Assert.NotNull(stats);
        return (text.ToString(), stats);
    }
}
