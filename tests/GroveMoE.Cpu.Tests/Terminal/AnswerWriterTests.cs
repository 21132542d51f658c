using GroveMoE.Cli.Terminal;

namespace GroveMoE.Cpu.Tests.Terminal;

/// <summary>Thinking set apart from the answer, however the stream happens to cut the text into pieces.</summary>
public sealed class AnswerWriterTests
{
    /// <summary>Writes <paramref name="text"/> cut at every pair of positions, and checks every cut gives <paramref name="expected"/>.</summary>
    private static void AssertEveryCut(string text, string expected, bool hide)
    {
        for (int a = 0; a <= text.Length; a++)
        {
            for (int b = a; b <= text.Length; b += 3)
            {
                var output = new StringWriter();
                var writer = new AnswerWriter(output, color: false, hideThinking: hide);
                foreach (var piece in new[] { text[..a], text[a..b], text[b..] }) writer.Write(piece);
                writer.Finish();
                Assert.True(expected == output.ToString(), $"cut at {a},{b}: {output}");
            }
        }
    }

    [Fact]
    public void ThinkingIsFramedAndTheAnswerFollows()
    {
        AssertEveryCut("<think>\nI should greet.\nTwice.\n</think>\n\nHello!", "Thinking...\nI should greet.\nTwice.\n...done thinking.\n\nHello!", hide: false);
    }

    [Fact]
    public void HiddenThinkingLeavesOnlyTheAnswer()
    {
        AssertEveryCut("<think>\nplan\n</think>\n\nHello <b>there</b>", "Hello <b>there</b>", hide: true);
    }

    [Fact]
    public void TextWithoutThinkingPassesUnchanged()
    {
        AssertEveryCut("  leading space, a <thin tag and </think> later <think>too</think>", "  leading space, a <thin tag and </think> later <think>too</think>", hide: false);
        AssertEveryCut("<think>\n\n</think>\n\nAnswer", "Answer", hide: false);
    }

    [Fact]
    public void AnUnfinishedThoughtIsClosed()
    {
        AssertEveryCut("<think>\nstill going", "Thinking...\nstill going\n...done thinking.\n\n", hide: false);
    }
}
