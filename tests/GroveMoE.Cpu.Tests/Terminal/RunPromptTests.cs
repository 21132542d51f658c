using GroveMoE.Cpu.Tests.Cli;
using GroveMoE.Cpu.Tests.Generation;
using GroveMoE.Cpu.Tests.Model;

namespace GroveMoE.Cpu.Tests.Terminal;

/// <summary>
/// <c>grove run</c> takes its prompt as words, with -p, -p - (stdin), -f FILE or piped stdin, and each way gives
/// the same greedy answer; two ways at once, or none, is one error line.
/// </summary>
public sealed class RunPromptTests(TinyChatModelFixture model) : IClassFixture<TinyChatModelFixture>, IDisposable
{
    private readonly TempDirectory _dir = new();

    public void Dispose() => _dir.Dispose();

    private GroveProcess.Result Run(string? stdin, params string[] args) =>
        GroveProcess.Run(new Dictionary<string, string>(), stdin, ["run", "-m", model.Path, "-n", "6", "--temp", "0", "--raw", .. args]);

    [Fact]
    public void EveryWayOfGivingThePromptGivesTheSameAnswer()
    {
        const string prompt = "The grove of experts";
        string file = _dir.File("prompt.txt");
        File.WriteAllText(file, prompt + "\n");
        var answers = new[]
        {
            Run("", "The", "grove", "of", "experts"),
            Run("", "-p", prompt),
            Run(prompt + "\n", "-p", "-"),
            Run(prompt),
            Run("", "-f", file),
        };
        foreach (var answer in answers) Assert.True(answer.ExitCode == 0, answer.Stderr);
        Assert.Single(answers.Select(a => a.Stdout).Distinct());
        Assert.NotEqual(answers[0].Stdout, Run("", "another prompt").Stdout);
        Assert.Contains("[length]", answers[0].Stderr);
    }

    [Fact]
    public void TwoWaysOrNoneIsOneErrorLine()
    {
        foreach (var (stdin, args, expected) in new (string, string[], string)[]
                 {
                     ("", ["words", "-p", "text"], "one way"),
                     ("", [], "empty"),
                     ("", ["-f", _dir.File("missing.txt")], "not found"),
                     ("", ["--think", "--no-think", "x"], "not both"),
                 })
        {
            var result = Run(stdin, args);
            Assert.Equal(1, result.ExitCode);
            var error = Assert.Single(result.StderrLines, l => l.StartsWith("error:", StringComparison.Ordinal));
            Assert.Contains(expected, error);
        }
    }
}
