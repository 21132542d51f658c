using System.Text;
using GroveMoE.Cpu.Generation;

namespace GroveMoE.Cpu.Tests.Generation;

public class StopSequenceFilterTests
{
    [Theory]
    [InlineData("hello world\nUser: more", "\nUser:", "hello world")]
    [InlineData("abcSTOPdef", "STOP", "abc")]
    [InlineData("no stop here at all", "STOP", "no stop here at all")]
    [InlineData("almost STO", "STOP", "almost STO")]
    [InlineData("SSSTOP", "SSTOP", "S")]
    public void ShowsExactlyTheTextBeforeTheFirstStopWhateverThePieces(string text, string stop, string expected)
    {
        var random = new Random(text.Length);
        for (int trial = 0; trial < 50; trial++)
        {
            var filter = new StopSequenceFilter([stop, "\u0000never"]);
            var shown = new StringBuilder();
            int at = 0;
            while (at < text.Length && !filter.Stopped)
            {
                int n = Math.Min(text.Length - at, random.Next(1, 4));
                shown.Append(filter.Push(text.Substring(at, n)));
                at += n;
            }
            if (!filter.Stopped) shown.Append(filter.Flush());
            Assert.Equal(expected, shown.ToString());
            Assert.Equal(text.Contains(stop), filter.Stopped);
        }
    }
}
