using System.Text.RegularExpressions;
using GroveMoE.Cpu.Tests.Model;

namespace GroveMoE.Cpu.Tests.Cli;

/// <summary>
/// grove and grove-quantize as one family: options validated as they are parsed (enums whose error lists the choices),
/// the same short flag meaning the same option in both, and every error one line on a redirected stderr however long.
/// </summary>
public sealed partial class CommandLineConsistencyTests : IDisposable
{
    private readonly TempDirectory _dir = new();

    public void Dispose() => _dir.Dispose();

    [Fact]
    public void AnUnknownQuantizationTypeIsOneLineListingTheTypes()
    {
        var result = GroveProcess.Quantize("--input", _dir.Path, "--output", _dir.File("out.gguf"), "--type", "q4_x");
        AssertOneErrorLine(result);
        Assert.Contains("--type must be", result.StderrLines[0]);
        Assert.Contains("'q4_x'", result.StderrLines[0]);
        foreach (string type in new[] { "q4_k_m", "iq4_xs", "q4_0", "q8_0", "bf16", "mixed" }) Assert.Contains(type, result.StderrLines[0]);
        Assert.Empty(Directory.GetFiles(_dir.Path));
    }

    [Theory]
    [InlineData("synth --preset huge -o OUT", "--preset must be tiny, small, wide4, wide8 or full, not 'huge'")]
    [InlineData("synth --preset tiny --type q9 -o OUT", "--type must be")]
    [InlineData("--input IN --output OUT --type q4_k_m,q4_k_s", "--type must be")]
    [InlineData("--input IN --output OUT --type 3", "--type must be")]
    [InlineData("synth --preset tiny --type q4_k_m -o OUT", "synth f32 and quantize that file")]
    [InlineData("--input IN --output OUT -t 0", "--threads must be a whole number from 1")]
    [InlineData("--input IN", "--input and --output are required")]
    public void BadQuantizerOptionsAreOneErrorLineInTheUsersWords(string options, string expected)
    {
        var args = options.Split(' ').Select(a => a switch { "OUT" => _dir.File("out.gguf"), "IN" => _dir.Path, _ => a }).ToArray();
        var result = GroveProcess.Quantize(args);
        AssertOneErrorLine(result);
        Assert.Contains(expected, result.StderrLines[0]);
        Assert.DoesNotContain("System.", result.StderrLines[0]);
    }

    /// <summary>Spectre renders text to the console's width (80 columns when it cannot tell); a long error must not be cut in two.</summary>
    [Fact]
    public void ALongErrorStaysOneLineOnARedirectedStderr()
    {
        string missing = Path.Combine(_dir.Path, new string('m', 150) + ".gguf");
        foreach (var result in new[] { GroveProcess.Run("info", "-m", missing), GroveProcess.Quantize("--input", missing, "--output", _dir.File("o.gguf")) })
        {
            AssertOneErrorLine(result);
            Assert.Contains(missing, result.StderrLines[0]);
        }
    }

    [Fact]
    public void AShortFlagMeansTheSameOptionInGroveAndGroveQuantize()
    {
        var grove = new[] { "run", "chat", "bench", "logits", "perplexity", "serve", "tokenize", "info" }
            .SelectMany(c => Flags(GroveProcess.Run(c, "--help")));
        var quantize = Flags(GroveProcess.Quantize("--help")).Concat(Flags(GroveProcess.Quantize("synth", "--help")));
        var groveByShort = ByShortFlag(grove);
        var quantizeByShort = ByShortFlag(quantize);
        Assert.Contains("-t", quantizeByShort.Keys);
        Assert.Contains("-o", quantizeByShort.Keys);
        foreach (var (flag, names) in quantizeByShort)
        {
            if (!groveByShort.TryGetValue(flag, out var groveNames)) continue;
            Assert.True(names.SetEquals(groveNames) || names.Overlaps(groveNames),
                $"{flag} is {string.Join('/', names)} in grove-quantize but {string.Join('/', groveNames)} in grove");
        }
    }

    [Fact]
    public void ServeTakesTheModelOptionsTheOtherCommandsTake()
    {
        var serve = Flags(GroveProcess.Run("serve", "--help")).SelectMany(f => f).ToHashSet();
        var chat = Flags(GroveProcess.Run("chat", "--help")).SelectMany(f => f).ToHashSet();
        foreach (string option in new[] { "--threads", "-t", "--ctx", "-c", "--kv-type", "--gpu-layers", "-ngl", "--gpu-experts", "--no-repack", "--model", "-m", "-hf" })
        {
            Assert.Contains(option, chat);
            Assert.Contains(option, serve);
        }
    }

    [Theory]
    [InlineData("-t 0", "--threads must be a whole number from 1")]
    [InlineData("--kv-type q9", "--kv-type must be f32 or f16, not 'q9'")]
    [InlineData("--gpu-experts some", "--gpu-experts must be all, none or hot")]
    [InlineData("-c 8", "--ctx must be a whole number 16 or more")]
    public void BadServeModelOptionsAreOneErrorLine(string options, string expected)
    {
        var result = GroveProcess.Run(["serve", "-m", _dir.File("never-read.gguf"), .. options.Split(' ')]);
        AssertOneErrorLine(result);
        Assert.Contains(expected, result.StderrLines[0]);
    }

    /// <summary>Each option's names as <c>--help</c> lists them ("-t, --threads &lt;threads&gt;  ...").</summary>
    private static List<string[]> Flags(GroveProcess.Result help)
    {
        Assert.True(help.ExitCode == 0, help.Stderr);
        return help.Stdout.Split('\n').Select(line => HelpOption().Match(line)).Where(m => m.Success)
            .Select(m => m.Groups[1].Value.Split(", ")).ToList();
    }

    private static Dictionary<string, HashSet<string>> ByShortFlag(IEnumerable<string[]> options)
    {
        var map = new Dictionary<string, HashSet<string>>();
        foreach (var names in options)
        {
            foreach (string flag in names.Where(n => !n.StartsWith("--", StringComparison.Ordinal)))
            {
                if (!map.TryGetValue(flag, out var set)) map[flag] = set = [];
                set.UnionWith(names.Where(n => n.StartsWith("--", StringComparison.Ordinal)));
            }
        }
        return map;
    }

    private static void AssertOneErrorLine(GroveProcess.Result result)
    {
        Assert.True(result.ExitCode == 1, $"exit code {result.ExitCode}; stderr: {result.Stderr}");
        Assert.True(result.StderrLines.Length == 1, $"{result.StderrLines.Length} stderr lines:\n{result.Stderr}");
        Assert.StartsWith("error:", result.StderrLines[0]);
    }

    [GeneratedRegex(@"^\s{2}((?:-{1,2}[A-Za-z0-9][\w-]*)(?:, -{1,2}[A-Za-z0-9][\w-]*)*)(?:\s|$)")]
    private static partial Regex HelpOption();
}
