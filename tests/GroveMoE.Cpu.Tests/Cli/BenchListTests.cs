using System.CommandLine;
using GroveMoE.Cli.Commands;

namespace GroveMoE.Cpu.Tests.Cli;

/// <summary><c>grove bench</c>'s comma lists (-t, -p, -n, -d) as llama-bench takes them, checked as they are parsed.</summary>
public sealed class BenchListTests
{
    [Theory]
    [InlineData("64", new[] { 64 })]
    [InlineData("64,512", new[] { 64, 512 })]
    [InlineData(" 1, 2 ,1", new[] { 1, 2 })]
    [InlineData("0", new[] { 0 })]
    public void ParsesCommaLists(string text, int[] expected)
    {
        var parse = BenchCommand.Create().Parse(["-p", text]);
        Assert.Empty(parse.Errors);
        Assert.Equal(expected, parse.GetValue<int[]>("--prompt"));
    }

    [Theory]
    [InlineData("-p", "")]
    [InlineData("-p", "64,")]
    [InlineData("-p", "x")]
    [InlineData("-p", "-1")]
    [InlineData("-p", "2000000")]
    [InlineData("-t", "0")]
    [InlineData("-n", "1.5")]
    public void RejectsWithOneErrorNamingTheOption(string option, string text)
    {
        var parse = BenchCommand.Create().Parse([option, text]);
        var error = Assert.Single(parse.Errors);
        Assert.Contains($"'{text.Split(',')[^1].Trim()}' is not a whole number", error.Message);
    }

    [Fact]
    public void ListsAreOneToken() => Assert.NotEmpty(BenchCommand.Create().Parse(["-p", "64", "512"]).Errors);

    [Fact]
    public void DefaultsNeedNoOption()
    {
        var parse = BenchCommand.Create().Parse([]);
        Assert.Empty(parse.Errors);
        Assert.Equal([64], parse.GetValue<int[]>("--prompt")!);
        Assert.Equal([Environment.ProcessorCount], parse.GetValue<int[]>("--threads")!);
    }
}
