using GroveMoE.Cpu.Conversion.Synthetic;
using GroveMoE.Cpu.Quantization;
using GroveMoE.Cpu.Tests.Cli;

namespace GroveMoE.Cpu.Tests.Hub;

/// <summary>grove pull / list / rm / show and -hf / --model hf.co/… as a separate process against the stand-in Hub.</summary>
public sealed class HubCliTests : IAsyncLifetime
{
    private StandInHub _hub = null!;
    private readonly string _cache = Directory.CreateTempSubdirectory("grove-hub-cli-").FullName;
    private byte[] _model = [];

    public async Task InitializeAsync()
    {
        _hub = await StandInHub.StartAsync();
        string path = Path.Combine(_cache, "tiny.gguf");
        SyntheticModelWriter.Write(path, new SyntheticModelOptions(SyntheticPresets.Tiny(64), GgmlType.Q8_0));
        _model = File.ReadAllBytes(path);
        File.Delete(path);
        _hub.Add("acme/Tiny-GGUF", new()
        {
            ["Tiny-Q8_0.gguf"] = _model,
            ["Tiny-Q4_0.gguf"] = StandInHub.RandomBytes(5000, 1),
        });
        _hub.Add("acme/Private-GGUF", new() { ["Tiny-Q8_0.gguf"] = _model }, isPrivate: true);
    }

    public async Task DisposeAsync()
    {
        await _hub.DisposeAsync();
        Directory.Delete(_cache, recursive: true);
    }

    private GroveProcess.Result Grove(params string[] args) => Grove(new Dictionary<string, string>(), args);

    private GroveProcess.Result Grove(Dictionary<string, string> extra, params string[] args)
    {
        var environment = new Dictionary<string, string>
        {
            ["HF_ENDPOINT"] = _hub.Address.ToString(),
            ["HF_HUB_CACHE"] = _cache,
            ["HF_TOKEN_PATH"] = Path.Combine(_cache, "no-token"),
            ["HF_TOKEN"] = "",
        };
        foreach (var (k, v) in extra) environment[k] = v;
        return GroveProcess.Run(environment, args);
    }

    private static void AssertOneErrorLine(GroveProcess.Result result, string expected)
    {
        Assert.Equal(1, result.ExitCode);
        var errors = result.StderrLines.Where(l => l.StartsWith("error:", StringComparison.Ordinal)).ToArray();
        Assert.True(errors.Length == 1, result.Stderr);
        Assert.Contains(expected, errors[0]);
        Assert.DoesNotContain("   at ", result.Stderr);
    }

    [Fact]
    public void PullListShowRemove()
    {
        var pull = Grove("pull", "acme/Tiny-GGUF:Q8_0");
        Assert.True(pull.ExitCode == 0, pull.Stderr);
        string path = pull.Stdout.TrimEnd().Split('\n')[^1];
        Assert.StartsWith(_cache, path);
        Assert.Equal(_model, File.ReadAllBytes(path));
        Assert.Contains("Tiny-Q8_0.gguf", pull.Stderr);

        var list = Grove("list");
        Assert.Equal(0, list.ExitCode);
        Assert.Equal($"acme/Tiny-GGUF\tQ8_0\t{_model.Length}\t{path}", list.Stdout.Trim());

        var show = Grove("show", "hf.co/acme/Tiny-GGUF:q8_0");
        Assert.True(show.ExitCode == 0, show.Stderr);
        Assert.Contains("grovemoe", show.Stdout);
        Assert.Contains("Q8_0", show.Stdout);

        // Offline, from the cache: the model loads through -hf and through --model hf.co/…
        var offline = new Dictionary<string, string> { ["HF_HUB_OFFLINE"] = "1" };
        var info = Grove(offline, "info", "-hf", "acme/Tiny-GGUF:Q8_0");
        Assert.True(info.ExitCode == 0, info.Stderr);
        Assert.Contains("routed experts", info.Stdout);
        Assert.Equal(0, Grove(offline, "info", "--model", "hf.co/acme/Tiny-GGUF:Q8_0").ExitCode);

        var rm = Grove("rm", "acme/Tiny-GGUF:Q8_0");
        Assert.Equal(0, rm.ExitCode);
        Assert.Contains("removed acme/Tiny-GGUF:Q8_0", rm.Stdout);
        Assert.False(File.Exists(path));
        AssertOneErrorLine(Grove("rm", "acme/Tiny-GGUF:Q8_0"), "not in the cache");
        AssertOneErrorLine(Grove(offline, "info", "-hf", "acme/Tiny-GGUF:Q8_0"), "HF_HUB_OFFLINE");
    }

    [Fact]
    public void FaultsAreOneErrorLine()
    {
        AssertOneErrorLine(Grove("pull", "acme/Missing"), "no such repository");
        AssertOneErrorLine(Grove("pull", "acme/Private-GGUF"), "HF_TOKEN");
        Assert.Equal(0, Grove(new Dictionary<string, string> { ["HF_TOKEN"] = _hub.Token }, "pull", "acme/Private-GGUF").ExitCode);
        AssertOneErrorLine(Grove("pull", "acme/Tiny-GGUF:Q6_K"), "Q4_0, Q8_0");
        AssertOneErrorLine(Grove(new Dictionary<string, string> { ["HF_ENDPOINT"] = "http://127.0.0.1:9/" }, "pull", "acme/Tiny-GGUF"), "cannot reach");
        AssertOneErrorLine(Grove("pull", "not a repo"), "not a Hub model");
        AssertOneErrorLine(Grove("info", "-m", "x.gguf", "-hf", "acme/Tiny-GGUF"), "not both");
        _hub.Corrupt.Add("Tiny-Q4_0.gguf");
        AssertOneErrorLine(Grove("pull", "acme/Tiny-GGUF:Q4_0"), "checksum mismatch");
    }
}
