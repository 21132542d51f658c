using System.Text;
using GroveMoE.Cpu.Gguf;
using GroveMoE.Cpu.Quantization;
using GroveMoE.Cpu.Conversion.SafeTensors;
using GroveMoE.Quantizer;
using GroveMoE.Quantizer.Conversion;
using GroveMoE.Quantizer.Output;
using GroveMoE.Cpu.Conversion.Gguf;

namespace GroveMoE.Cpu.Tests.Quantizer;

/// <summary>Bad input fails with exit code 1 and leaves no output file behind, complete or partial.</summary>
public sealed class QuantizerFailureTests(SyntheticCheckpointFixture fixture) : IClassFixture<SyntheticCheckpointFixture>
{
    [Fact]
    public void MissingShardFailsWithoutOutput()
    {
        string checkpoint = CopyCheckpoint();
        File.Delete(Directory.GetFiles(checkpoint, "model-00002-of-*.safetensors").Single());
        var ex = Assert.Throws<FileNotFoundException>(() => SafeTensorsCheckpoint.Open(checkpoint));
        Assert.Contains("model-00002-of-", ex.Message);
        AssertFailsWithoutOutput(checkpoint);
    }

    [Fact]
    public void ExistingOutputIsKeptWithoutForceAndReplacedWithIt()
    {
        string folder = fixture.NewFolder();
        string output = Path.Combine(folder, "out.gguf");
        File.WriteAllText(output, "keep me");

        Assert.Equal(1, QuantizerApp.Run(["--input", fixture.CheckpointDir, "--output", output, "--type", "q8_0"]));
        Assert.Equal("keep me", File.ReadAllText(output));
        Assert.Single(Directory.GetFiles(folder));

        Assert.Equal(0, QuantizerApp.Run(["--input", fixture.CheckpointDir, "--output", output, "--type", "q8_0", "--force"]));
        using var gguf = GgufFile.Open(output);
        Assert.Equal("grovemoe", gguf.Metadata.GetString("general.architecture"));
        Assert.Single(Directory.GetFiles(folder));
    }

    [Fact]
    public void UnknownArchitectureFails()
    {
        string checkpoint = CopyCheckpoint();
        string config = Path.Combine(checkpoint, "config.json");
        File.WriteAllText(config, File.ReadAllText(config).Replace("GroveMoeForCausalLM", "Qwen3MoeForCausalLM"));
        AssertFailsWithoutOutput(checkpoint);
    }

    [Fact]
    public void MissingConfigKeyFails()
    {
        string checkpoint = CopyCheckpoint();
        string config = Path.Combine(checkpoint, "config.json");
        File.WriteAllText(config, File.ReadAllText(config).Replace("\"num_experts\"", "\"num_experts_renamed\""));
        AssertFailsWithoutOutput(checkpoint);
    }

    [Fact]
    public void ShapeThatDisagreesWithConfigFails()
    {
        string checkpoint = CopyCheckpoint();
        string config = Path.Combine(checkpoint, "config.json");
        File.WriteAllText(config, File.ReadAllText(config).Replace("\"moe_intermediate_size\": 64", "\"moe_intermediate_size\": 96"));
        AssertFailsWithoutOutput(checkpoint);
    }

    [Fact]
    public void LyingShardHeaderFailsWithoutOutput()
    {
        string checkpoint = CopyCheckpoint();
        string shard = Directory.GetFiles(checkpoint, "model-00001-of-*.safetensors").Single();
        // Grow one shape without growing its data: shape x dtype no longer matches the byte range.
        var bytes = File.ReadAllBytes(shard);
        int headerLength = (int)BitConverter.ToUInt64(bytes, 0);
        string header = Encoding.UTF8.GetString(bytes, 8, headerLength);
        string lie = header.Replace("\"shape\":[151936,64]", "\"shape\":[151936,65]");
        Assert.NotEqual(header, lie);
        Encoding.UTF8.GetBytes(lie.PadRight(headerLength)).CopyTo(bytes, 8);
        File.WriteAllBytes(shard, bytes);
        Assert.Throws<SafeTensorsFormatException>(() => SafeTensorsFile.Open(shard));
        AssertFailsWithoutOutput(checkpoint);
    }

    [Theory]
    [InlineData("""{"a":{"dtype":"BF16","shape":[4],"data_offsets":[0,8]},"b":{"dtype":"BF16","shape":[4],"data_offsets":[8,24]}}""", 16, "outside")]
    [InlineData("""{"a":{"dtype":"BF16","shape":[4],"data_offsets":[0,8]},"b":{"dtype":"BF16","shape":[4],"data_offsets":[4,12]}}""", 16, "overlap")]
    [InlineData("""{"a":{"dtype":"F32","shape":[4],"data_offsets":[0,8]}}""", 8, "needs 16 bytes")]
    [InlineData("""{"a":{"dtype":"F31","shape":[4],"data_offsets":[0,8]}}""", 8, "unknown dtype")]
    [InlineData("""{"a":{"dtype":"BF16","shape":[2,3],"data_offsets":[0,8]}}""", 8, "needs 12 bytes")]
    [InlineData("""{"a":{"dtype":"BF16","shape":[4],"data_offsets":[8,0]}}""", 8, "outside")]
    [InlineData("""{"a":{"dtype":"BF16","shape":[-4],"data_offsets":[0,8]}}""", 8, "non-negative")]
    [InlineData("""{"a":""", 8, "not valid JSON")]
    public void LyingHeadersAreRejected(string json, int dataBytes, string expected)
    {
        string path = Path.Combine(fixture.NewFolder(), "bad.safetensors");
        var header = Encoding.UTF8.GetBytes(json);
        using (var file = File.Create(path))
        {
            file.Write(BitConverter.GetBytes((ulong)header.Length));
            file.Write(header);
            file.Write(new byte[dataBytes]);
        }
        var ex = Assert.Throws<SafeTensorsFormatException>(() => SafeTensorsFile.Open(path));
        Assert.Contains(expected, ex.Message);
        Assert.DoesNotContain('\n', ex.Message);
    }

    [Fact]
    public void HeaderLengthPastTheFileIsRejected()
    {
        string path = Path.Combine(fixture.NewFolder(), "bad.safetensors");
        File.WriteAllBytes(path, [.. BitConverter.GetBytes(1000UL), .. "{}"u8]);
        var ex = Assert.Throws<SafeTensorsFormatException>(() => SafeTensorsFile.Open(path));
        Assert.Contains("does not fit", ex.Message);
    }

    [Fact]
    public void FailureWhileConvertingLeavesNoFile()
    {
        string folder = fixture.NewFolder();
        string output = Path.Combine(folder, "out.gguf");
        var tensors = new[]
        {
            new OutputTensor("good.weight", GgmlType.Q8_0, [64, 100_000], new ConstantRows(failAfterRow: long.MaxValue)),
            new OutputTensor("bad.weight", GgmlType.Q8_0, [64, 100_000], new ConstantRows(failAfterRow: 50_000)),
        };
        Assert.Throws<IOException>(() => Convert(output, tensors, CancellationToken.None));
        Assert.Empty(Directory.GetFileSystemEntries(folder));
    }

    [Fact]
    public void CancellationLeavesNoFile()
    {
        string folder = fixture.NewFolder();
        string output = Path.Combine(folder, "out.gguf");
        using var cancel = new CancellationTokenSource();
        var tensors = new[] { new OutputTensor("t.weight", GgmlType.Q4_0, [64, 200_000], new ConstantRows(long.MaxValue, cancel)) };
        Assert.ThrowsAny<OperationCanceledException>(() => Convert(output, tensors, cancel.Token));
        Assert.Empty(Directory.GetFileSystemEntries(folder));
    }

    private static void Convert(string output, OutputTensor[] tensors, CancellationToken cancel)
    {
        using var file = AtomicOutputFile.Create(output, overwrite: false);
        var writer = new GgufWriter(file.Stream, new GgufMetadata(), tensors.Select(t => (t.Name, t.Type, t.Dimensions)));
        ParallelTensorConverter.Run(writer, tensors, threads: 2, _ => { }, cancel);
        writer.Finish();
        file.Commit();
    }

    /// <summary>Rows of ones that fail (or cancel the run) once a given row is reached.</summary>
    private sealed class ConstantRows(long failAfterRow, CancellationTokenSource? cancelInstead = null) : IRowSource
    {
        public void ReadRows(long firstRow, int rowCount, Span<float> destination)
        {
            if (cancelInstead is not null && firstRow > 0) cancelInstead.Cancel();
            if (firstRow + rowCount > failAfterRow) throw new IOException("simulated read failure");
            destination.Fill(1f);
        }
    }

    private string CopyCheckpoint()
    {
        string copy = Path.Combine(fixture.NewFolder(), "hf");
        Directory.CreateDirectory(copy);
        foreach (var file in Directory.GetFiles(fixture.CheckpointDir)) File.Copy(file, Path.Combine(copy, Path.GetFileName(file)));
        return copy;
    }

    private void AssertFailsWithoutOutput(string checkpoint)
    {
        string folder = fixture.NewFolder();
        string output = Path.Combine(folder, "out.gguf");
        Assert.Equal(1, QuantizerApp.Run(["--input", checkpoint, "--output", output, "--type", "q4_0"]));
        Assert.Empty(Directory.GetFileSystemEntries(folder));
    }
}
