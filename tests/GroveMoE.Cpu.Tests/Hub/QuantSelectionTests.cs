using GroveMoE.Cpu.Hub;

namespace GroveMoE.Cpu.Tests.Hub;

public sealed class QuantSelectionTests
{
    private static IReadOnlyList<ModelFileSet> Sets(params string[] paths) =>
        ModelFileSet.Group(paths.Select(p => new RepoFile(p, 10, null, null)));

    private static string Pick(string? quant, params string[] paths) => ModelFileSet.Choose(Sets(paths), quant, "o/r").First.Path;

    [Fact]
    public void DefaultIsQ4KMThenQ8_0ThenTheFirstModelFile()
    {
        Assert.Equal("M-Q4_K_M.gguf", Pick(null, "M-Q2_K.gguf", "M-Q8_0.gguf", "M-Q4_K_M.gguf", "README.md"));
        Assert.Equal("m.q8_0.gguf", Pick(null, "M-Q2_K.gguf", "m.q8_0.gguf"));
        Assert.Equal("a-F16.gguf", Pick(null, "mmproj-a-F16.gguf", "b-IQ2_XS.gguf", "a-F16.gguf"));
    }

    [Fact]
    public void QuantMatchesCaseInsensitivelyAndAsAWholeWordFirst()
    {
        string[] files = ["M-Q4_K_M.gguf", "M-Q4_K_S.gguf", "M-Q4_K.gguf", "M-Q4_0.gguf", "M-IQ4_XS.gguf"];
        Assert.Equal("M-Q4_K_S.gguf", Pick("q4_k_s", files));
        Assert.Equal("M-Q4_K.gguf", Pick("Q4_K", files));
        Assert.Equal("M-IQ4_XS.gguf", Pick("iq4_xs", files));
        Assert.Equal("M-Q4_0.gguf", Pick("Q4_0", files));
    }

    [Fact]
    public void MmprojAndImatrixFilesAreNeverModels()
    {
        var e = Assert.Throws<HubQuantNotFoundException>(() => Pick("F16", "mmproj-M-F16.gguf", "imatrix-M-F16.gguf", "M-Q8_0.gguf"));
        Assert.Equal(["Q8_0"], e.Available);
        Assert.Contains("Q8_0", e.Message);
    }

    [Fact]
    public void SplitPartsGroupIntoOneModelAndIncompleteGroupsAreDropped()
    {
        var sets = Sets("Q4_K_M/M-Q4_K_M-00002-of-00003.gguf", "Q4_K_M/M-Q4_K_M-00001-of-00003.gguf", "Q4_K_M/M-Q4_K_M-00003-of-00003.gguf",
            "M-Q8_0-00001-of-00002.gguf");
        var set = Assert.Single(sets);
        Assert.Equal("Q4_K_M", set.Quant);
        Assert.Equal(["Q4_K_M/M-Q4_K_M-00001-of-00003.gguf", "Q4_K_M/M-Q4_K_M-00002-of-00003.gguf", "Q4_K_M/M-Q4_K_M-00003-of-00003.gguf"],
            set.Parts.Select(p => p.Path));
        Assert.Equal(30, set.Size);
    }

    [Fact]
    public void NoMatchListsTheQuantsTheRepositoryHas()
    {
        var e = Assert.Throws<HubQuantNotFoundException>(() => Pick("Q5_K_M", "x/M-Q4_K_M.gguf", "M.Q8_0.gguf", "M-bf16.gguf"));
        Assert.Equal(["BF16", "Q4_K_M", "Q8_0"], e.Available.Order());
        Assert.Throws<HubQuantNotFoundException>(() => Pick(null, "README.md", "model.safetensors"));
    }
}
