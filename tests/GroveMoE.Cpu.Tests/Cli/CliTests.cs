using GroveMoE.Cpu.Conversion.Tokenization;
using GroveMoE.Cpu.Gguf;
using GroveMoE.Cpu.Conversion.Synthetic;
using GroveMoE.Cpu.Quantization;
using GroveMoE.Cpu.Tests.Gguf;
using GroveMoE.Cpu.Tests.Model;

namespace GroveMoE.Cpu.Tests.Cli;

/// <summary>The grove CLI: bad input is one "error:" line on stderr and exit code 1; good input gives the library's numbers.</summary>
public sealed class CliTests : IClassFixture<CliTests.Files>
{
    private readonly Files _files;

    public CliTests(Files files) => _files = files;

    /// <summary>One valid tiny model and broken variants of it, shared by the tests of this class.</summary>
    public sealed class Files : IDisposable
    {
        public TempDirectory Dir { get; } = new();
        public string Valid { get; }

        /// <summary>The tiny model with the real Qwen3 tokenizer, for the commands that generate text.</summary>
        public string Chat { get; }
        public Dictionary<string, string> Broken { get; } = [];

        public Files()
        {
            Valid = Dir.File("valid.gguf");
            SyntheticModelWriter.Write(Valid, new SyntheticModelOptions(SyntheticPresets.Tiny(64), GgmlType.Q4_0) { ExpertType = GgmlType.Q8_0 });
            var bytes = File.ReadAllBytes(Valid);
            Chat = Dir.File("chat.gguf");
            SyntheticModelWriter.Write(Chat, new SyntheticModelOptions(SyntheticPresets.Tiny(BuiltInTokenizer.Qwen3VocabSize), GgmlType.Q8_0)
            {
                ExtraMetadata = BuiltInTokenizer.Qwen3Metadata(),
            });

            Broken["missing"] = Dir.File("does-not-exist.gguf");
            Broken["truncated header"] = Write("truncated-header.gguf", bytes[..200]);
            Broken["truncated data"] = Write("truncated-data.gguf", bytes[..(bytes.Length - 100)]);
            var corrupt = (byte[])bytes.Clone();
            BitConverter.GetBytes(ulong.MaxValue).CopyTo(corrupt, 16); // metadata count
            Broken["corrupt count"] = Write("corrupt.gguf", corrupt);
            Broken["not gguf"] = Write("text.gguf", "hello, this is not a model at all"u8.ToArray());
            Broken["empty"] = Write("empty.gguf", []);

            Broken["wrong architecture"] = Dir.File("llama.gguf");
            GgufRewriter.Rewrite(Valid, Broken["wrong architecture"], m => m.Set("general.architecture", GgufValue.Of("llama")));
            Broken["missing key"] = Dir.File("no-key.gguf");
            GgufRewriter.Rewrite(Valid, Broken["missing key"], m => m.Remove("grovemoe.block_count"));
            Broken["missing tensor"] = Dir.File("no-tensor.gguf");
            GgufRewriter.Rewrite(Valid, Broken["missing tensor"], keepTensor: n => n != "blk.1.ffn_up_exps.weight");

            // The crafted files of issue 14, each of which once crashed the process or read outside the mapping.
            Broken["offset 2^63"] = Write("offset.gguf", WithTensorOffset(bytes, "output_norm.weight", 1UL << 63));
            Broken["block_count 2^31-1"] = Dir.File("layers.gguf");
            GgufRewriter.Rewrite(Valid, Broken["block_count 2^31-1"], m => m.Set("grovemoe.block_count", GgufValue.Of((uint)int.MaxValue)));
            Broken["head_count 0"] = Dir.File("heads.gguf");
            GgufRewriter.Rewrite(Valid, Broken["head_count 0"], m => m.Set("grovemoe.attention.head_count", GgufValue.Of(0u)));
            Broken["rope NaN"] = Dir.File("rope.gguf");
            GgufRewriter.Rewrite(Valid, Broken["rope NaN"], m => m.Set("grovemoe.rope.freq_base", GgufValue.Of(float.NaN)));
            Broken["nested 25000"] = Write("nested.gguf", new Reliability.RawGguf().Key("deep", GgufValueType.Array, w =>
            {
                for (int i = 0; i < 25_000; i++)
                {
                    w.Write((uint)GgufValueType.Array);
                    w.Write(1UL);
                }
            }).Build());
        }

        private static byte[] WithTensorOffset(byte[] file, string tensor, ulong offset)
        {
            var copy = (byte[])file.Clone();
            int at = copy.AsSpan().IndexOf(System.Text.Encoding.UTF8.GetBytes(tensor)) + tensor.Length;
            int dims = BitConverter.ToInt32(copy, at);
            BitConverter.GetBytes(offset).CopyTo(copy, at + 4 + 8 * dims + 4);
            return copy;
        }

        private string Write(string name, byte[] bytes)
        {
            string path = Dir.File(name);
            File.WriteAllBytes(path, bytes);
            return path;
        }

        public void Dispose() => Dir.Dispose();
    }

    public static TheoryData<string, string> BrokenFiles()
    {
        var data = new TheoryData<string, string>();
        foreach (var command in new[] { "logits", "info" })
        {
            foreach (var broken in new[] { "missing", "truncated header", "truncated data", "corrupt count", "not gguf", "empty",
                         "wrong architecture", "missing key", "missing tensor", "offset 2^63", "block_count 2^31-1", "head_count 0",
                         "rope NaN", "nested 25000" })
                data.Add(command, broken);
        }
        return data;
    }

    [Theory]
    [MemberData(nameof(BrokenFiles))]
    public void BrokenModelIsOneErrorLine(string command, string broken)
    {
        var args = command == "logits"
            ? new[] { "logits", "-m", _files.Broken[broken], "--tokens", "1,2" }
            : new[] { "info", "-m", _files.Broken[broken] };
        var result = GroveProcess.Run(args);
        AssertOneErrorLine(result, broken);
        string? named = broken switch
        {
            "missing" => "not found",
            "wrong architecture" => "llama",
            "missing key" => "grovemoe.block_count",
            "missing tensor" => "blk.1.ffn_up_exps.weight",
            "truncated header" or "truncated data" or "corrupt count" or "offset 2^63" or "nested 25000" => "at byte",
            "block_count 2^31-1" => "block_count",
            "head_count 0" => "head_count",
            "rope NaN" => "freq_base",
            _ => null,
        };
        if (named is not null) Assert.Contains(named, result.StderrLines[0]);
    }

    [Theory]
    [InlineData("logits", "--no-such-option")]
    [InlineData("logits", "--tokens")]
    [InlineData("logits", "--tokens", "1,x")]
    [InlineData("logits", "--tokens", "1,64")] // the tiny model's vocabulary is 0..63
    [InlineData("logits", "--tokens", "-3")]
    [InlineData("no-such-command")]
    [InlineData("serve", "--host", "not a host")]
    public void BadArgumentsAreOneErrorLine(params string[] args)
    {
        var full = args[0] == "logits" ? new[] { "logits", "-m", _files.Valid }.Concat(args[1..]).ToArray() : args;
        AssertOneErrorLine(GroveProcess.Run(full), string.Join(' ', args));
    }

    [Theory]
    [InlineData("-c 2147483647", "KV cache")]
    [InlineData("-n 99999999999", "--n-predict must be a whole number")]
    [InlineData("-n 0", "-1 for no limit")]
    [InlineData("--kv-type Q8_0", "--kv-type must be f32 or f16, not 'Q8_0'")]
    [InlineData("--seed -2", "--seed must be a whole number")]
    [InlineData("-t 0", "--threads must be a whole number from 1")]
    [InlineData("--top-p 1.5", "--top-p must be a number from")]
    [InlineData("--temp NaN", "--temp must be a number")]
    [InlineData("--gpu-experts some", "--gpu-experts must be all, none or hot")]
    [InlineData("--json-schema .", "is a directory")]
    public void BadRunOptionsAreOneErrorLineInTheUsersWords(string options, string expected)
    {
        var result = GroveProcess.Run(["run", "-m", _files.Chat, "-p", "hi", .. options.Split(' ')]);
        AssertOneErrorLine(result, options);
        Assert.Contains(expected, result.StderrLines[0]);
        Assert.DoesNotContain("System.", result.StderrLines[0]);
    }

    [Theory]
    [InlineData("run", "-p", "hi")]
    [InlineData("perplexity", "-f", "FILE")]
    [InlineData("info")]
    public void ADirectoryAsModelOrFileIsNamedAsOne(params string[] args)
    {
        var withModel = args[0] == "perplexity"
            ? ["perplexity", "-m", _files.Valid, "-f", _files.Dir.Path]
            : new[] { args[0], "-m", _files.Dir.Path }.Concat(args[1..]).ToArray();
        var result = GroveProcess.Run(withModel);
        AssertOneErrorLine(result, string.Join(' ', args));
        Assert.Contains("is a directory", result.StderrLines[0]);
    }

    [Fact]
    public void AnUnknownCommandIsNamed()
    {
        var result = GroveProcess.Run("frobnicate");
        AssertOneErrorLine(result, "frobnicate");
        Assert.Contains("unknown command 'frobnicate'", result.StderrLines[0]);
        Assert.Contains("chat", result.StderrLines[0]);
    }

    [Theory]
    [InlineData("run")]
    [InlineData("chat")]
    [InlineData("serve")]
    [InlineData("bench")]
    public void EveryModelCommandOffersNoRepack(string command)
    {
        var result = GroveProcess.Run(command, "--help");
        Assert.True(result.ExitCode == 0, result.Stderr);
        Assert.Contains("--no-repack", result.Stdout);
    }

    [Fact]
    public void RunWithNoRepackAnswersAsTheTiledLayoutDoes()
    {
        string[] run = ["run", "-m", _files.Chat, "-p", "hi", "--raw", "-n", "12", "--temp", "0", "-t", "2"];
        var tiled = GroveProcess.Run(run);
        var zeroCopy = GroveProcess.Run([.. run, "--no-repack"]);
        Assert.True(tiled.ExitCode == 0 && zeroCopy.ExitCode == 0, tiled.Stderr + zeroCopy.Stderr);
        Assert.NotEmpty(tiled.Stdout.Trim());
        Assert.Equal(tiled.Stdout, zeroCopy.Stdout);
    }

    [Fact]
    public void MinusOneTokensRunsToTheContextAndARandomSeedIsAccepted()
    {
        var result = GroveProcess.Run("run", "-m", _files.Chat, "-p", "hi", "--raw", "-n", "-1", "-c", "24", "--seed", "-1", "-t", "1000");
        Assert.True(result.ExitCode == 0, result.Stderr);
        Assert.Contains("note: --threads 1000 is more than", result.Stderr);
        Assert.NotEmpty(result.Stdout.Trim());
    }

    [Fact]
    public void LogitsOutWritesTheLibrarysLogits()
    {
        int[] tokens = [5, 17, 3, 63, 0, 42];
        string npy = _files.Dir.File("logits.npy");
        var result = GroveProcess.Run("logits", "-m", _files.Valid, "-t", "2", "--tokens", string.Join(',', tokens), "--out", npy);
        Assert.True(result.ExitCode == 0, result.Stderr);

        var (shape, values) = NpyReader.ReadFloat32(npy);
        Assert.Equal([tokens.Length, 64], shape);
        var expected = TestModels.ProductionLogits(_files.Valid, tokens, threads: 2);
        Assert.Equal(expected.Length, values.Length);
        for (int i = 0; i < expected.Length; i++) Assert.True(expected[i] == values[i], $"logit {i}: {values[i]} != {expected[i]}");
    }

    [Fact]
    public void LogitsWithoutOutPrintsOneLinePerPosition()
    {
        var result = GroveProcess.Run("logits", "-m", _files.Valid, "--tokens", "1,2,3");
        Assert.True(result.ExitCode == 0, result.Stderr);
        Assert.Equal(3, result.Stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries).Length);
    }

    [Fact]
    public void InfoDescribesTheModel()
    {
        var result = GroveProcess.Run("info", "-m", _files.Valid);
        Assert.True(result.ExitCode == 0, result.Stderr);
        Assert.Contains("grovemoe", result.Stdout);
        Assert.Empty(result.Stderr);
    }

    private static void AssertOneErrorLine(GroveProcess.Result result, string what)
    {
        Assert.True(result.ExitCode == 1, $"{what}: exit code {result.ExitCode}; stderr: {result.Stderr}");
        var lines = result.StderrLines;
        Assert.True(lines.Length == 1, $"{what}: {lines.Length} stderr lines:\n{result.Stderr}");
        Assert.StartsWith("error:", lines[0]);
    }
}
