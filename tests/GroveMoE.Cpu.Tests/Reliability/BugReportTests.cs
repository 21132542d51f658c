using GroveMoE.Cpu.CommandLine;
using GroveMoE.Cpu.Gguf;

namespace GroveMoE.Cpu.Tests.Reliability;

public sealed class BugReportTests
{
    [Fact]
    public void AnUnexpectedExceptionIsOneLineNamingItsTypeAndPlace()
    {
        Exception thrown;
        try
        {
            _ = new Dictionary<int, int>()[1];
            throw new InvalidOperationException("unreachable");
        }
        catch (Exception e)
        {
            thrown = new InvalidOperationException("first line\nsecond line", e);
        }
        Assert.Null(CommandLineApp.Describe(thrown));
        string line = CommandLineApp.BugReport(thrown);
        Assert.DoesNotContain('\n', line);
        Assert.Contains("internal error", line);
        Assert.Contains("InvalidOperationException", line);
        Assert.Contains("first line second line", line);
    }

    [Fact]
    public void DocumentedExceptionsAreDescribedInTheirOwnWords()
    {
        Assert.Equal("at byte 7: bad", CommandLineApp.Describe(new GgufFormatException(7, "bad")));
        Assert.Equal("at byte 7: bad", CommandLineApp.Describe(new AggregateException(new GgufFormatException(7, "bad"))));
        Assert.Equal("no memory", CommandLineApp.Describe(new InsufficientMemoryException("no memory")));
    }
}
