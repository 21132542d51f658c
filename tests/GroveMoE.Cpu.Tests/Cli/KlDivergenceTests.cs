using System.Globalization;
using System.Text.RegularExpressions;
using GroveMoE.Cpu.Gguf;
using GroveMoE.Cpu.Conversion.Synthetic;
using GroveMoE.Cpu.Quantization;
using GroveMoE.Cpu.Tests.Model;
using GroveMoE.Cpu.Conversion.Tokenization;
using GroveMoE.Cpu.Tokenization;

namespace GroveMoE.Cpu.Tests.Cli;

/// <summary>
/// <c>grove perplexity --kl-divergence-base / --kl-divergence</c>: a model compared with itself diverges only by the
/// 16-bit storage of the base, and a quantized model's mean KL divergence equals one computed here in float64 from
/// both models' logits.
/// </summary>
public sealed class KlDivergenceTests : IDisposable
{
    private const int Context = 16, Chunks = 2;
    private readonly TempDirectory _dir = new();

    public void Dispose() => _dir.Dispose();

    private string Model(GgmlType type)
    {
        string path = _dir.File($"tiny-{type}.gguf");
        SyntheticModelWriter.Write(path, new SyntheticModelOptions(SyntheticPresets.Tiny(SyntheticPresets.QwenVocab), type, 5)
        {
            ExtraMetadata = BuiltInTokenizer.Qwen3Metadata(SyntheticPresets.QwenVocab),
        });
        return path;
    }

    private static double Field(string output, string name) =>
        double.Parse(Regex.Match(output, name + @" (-?[0-9.]+)").Groups[1].Value, CultureInfo.InvariantCulture);

    [Fact]
    public void SavesTheBaseAndReportsDivergenceFromIt()
    {
        string text = _dir.File("text.txt"), saved = _dir.File("base.kld");
        File.WriteAllText(text, string.Concat(Enumerable.Repeat("The quick brown fox jumps over the lazy dog while the river runs. ", 8)));
        string f32 = Model(GgmlType.F32), q4 = Model(GgmlType.Q4_0);
        string[] common = ["perplexity", "-t", "2", "-f", text, "--ctx", $"{Context}", "--chunks", $"{Chunks}", "--kl-divergence-base", saved];

        var written = GroveProcess.Run([.. common, "-m", f32]);
        Assert.True(written.ExitCode == 0, written.Stderr);
        Assert.Contains("saved", written.Stdout);

        var self = GroveProcess.Run([.. common, "-m", f32, "--kl-divergence"]);
        Assert.True(self.ExitCode == 0, self.Stderr);
        Assert.True(Field(self.Stdout, "mean") < 1e-5, self.Stdout);
        Assert.Equal(100.0, Field(self.Stdout, "top-1 agreement"));
        Assert.Equal(1.0, Field(self.Stdout, "perplexity ratio"), 3);

        var quantized = GroveProcess.Run([.. common, "-m", q4, "--kl-divergence"]);
        Assert.True(quantized.ExitCode == 0, quantized.Stderr);
        double expected = MeanDivergence(f32, q4, File.ReadAllText(text));
        double reported = Field(quantized.Stdout, "mean");
        Assert.True(Math.Abs(reported - expected) <= 0.02 * expected + 1e-5, $"reported {reported}, computed {expected}\n{quantized.Stdout}");
        Assert.True(Field(quantized.Stdout, "99th percentile") >= reported);
    }

    [Fact]
    public void MismatchedOrCorruptBaseIsOneErrorLine()
    {
        string text = _dir.File("text.txt"), saved = _dir.File("base.kld"), junk = _dir.File("junk.kld");
        File.WriteAllText(text, string.Concat(Enumerable.Repeat("Some words to score, again and again. ", 12)));
        File.WriteAllText(junk, "GROVEKLD but nothing after it");
        string f32 = Model(GgmlType.F32);
        Assert.Equal(0, GroveProcess.Run("perplexity", "-m", f32, "-f", text, "--ctx", "16", "--kl-divergence-base", saved).ExitCode);

        foreach (var args in new[]
        {
            new[] { "--ctx", "32", "--kl-divergence-base", saved, "--kl-divergence" },
            ["--ctx", "16", "--kl-divergence-base", junk, "--kl-divergence"],
            ["--ctx", "16", "--kl-divergence"],
        })
        {
            var result = GroveProcess.Run(["perplexity", "-m", f32, "-f", text, .. args]);
            Assert.True(result.ExitCode == 1, $"{string.Join(' ', args)}: {result.Stderr}");
            Assert.Single(result.StderrLines);
            Assert.StartsWith("error:", result.StderrLines[0]);
        }
    }

    /// <summary>KL(base ‖ model) averaged over the positions perplexity scores, from each model's logits in float64.</summary>
    private static double MeanDivergence(string basePath, string modelPath, string text)
    {
        using var file = GgufFile.Open(basePath);
        var tokens = GroveTokenizer.FromMetadata(file.Metadata).Encode(text);
        int vocab = SyntheticPresets.QwenVocab;
        double total = 0;
        int count = 0;
        for (int c = 0; c < Chunks; c++)
        {
            var chunk = tokens.AsSpan(c * Context, Context).ToArray();
            var p = TestModels.ProductionLogits(basePath, chunk);
            var q = TestModels.ProductionLogits(modelPath, chunk);
            for (int i = Context / 2; i < Context - 1; i++)
            {
                var lp = LogSoftmax(p.AsSpan(i * vocab, vocab));
                var lq = LogSoftmax(q.AsSpan(i * vocab, vocab));
                double kl = 0;
                for (int v = 0; v < vocab; v++) kl += Math.Exp(lp[v]) * (lp[v] - lq[v]);
                total += kl;
                count++;
            }
        }
        return total / count;
    }

    private static double[] LogSoftmax(ReadOnlySpan<float> logits)
    {
        double max = double.NegativeInfinity;
        foreach (float v in logits) max = Math.Max(max, v);
        double sum = 0;
        foreach (float v in logits) sum += Math.Exp(v - max);
        double shift = max + Math.Log(sum);
        var result = new double[logits.Length];
        for (int i = 0; i < logits.Length; i++) result[i] = logits[i] - shift;
        return result;
    }
}
