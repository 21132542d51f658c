using GroveMoE.Cli.Commands;
using GroveMoE.Cpu.CommandLine;

namespace GroveMoE.Cpu.Tests.Cli;

/// <summary><c>grove bench</c>'s comma lists (-t, -p, -n, -d) as llama-bench takes them.</summary>
public sealed class BenchListTests
{
    [Theory]
    [InlineData("64", new[] { 64 })]
    [InlineData("64,512", new[] { 64, 512 })]
    [InlineData(" 1, 2 ,1", new[] { 1, 2 })]
    [InlineData("0", new[] { 0 })]
    public void ParsesCommaLists(string text, int[] expected) => Assert.Equal(expected, BenchCommand.List(text, "-p", 0));

    [Theory]
    [InlineData("")]
    [InlineData("64,")]
    [InlineData("x")]
    [InlineData("-1")]
    [InlineData("2000000")]
    public void RejectsWithOneLine(string text)
    {
        var e = Assert.Throws<UserInputException>(() => BenchCommand.List(text, "-p", 0));
        Assert.Contains("-p", e.Message);
    }

    [Fact]
    public void ThreadsStartAtOne() => Assert.Throws<UserInputException>(() => BenchCommand.List("0", "--threads", 1));
}
