using GroveMoE.Cpu.Conversion.SafeTensors;
using GroveMoE.Cpu.Fuzz;
using GroveMoE.Cpu.Tests.Model;

namespace GroveMoE.Cpu.Tests.Reliability;

/// <summary>
/// The deterministic mutation run of CI (fuzz/README.md has the long runs): seeded mutants of every format through
/// its reader, failing on any exception outside the documented set, any view outside the mapped file and any
/// allocation over the bound.
/// </summary>
public sealed class MutationTests : IDisposable
{
    private readonly TempDirectory _scratch = new();

    public void Dispose() => _scratch.Dispose();

    [Theory]
    [InlineData("gguf-header", 3000)]
    [InlineData("gguf", 1500)]
    [InlineData("safetensors", 3000)]
    [InlineData("checkpoint-index", 2000)]
    [InlineData("tokenizer", 600)]
    [InlineData("openai-request", 3000)]
    public void NoMutantEscapesTheDocumentedErrors(string name, int mutants)
    {
        var target = FuzzTarget.All(_scratch.Path).Single(t => t.Name == name);
        long checksBefore = BoundsChecks();
        var report = new MutationRunner(target).Run(mutants);
        Assert.True(report.Findings.Count == 0, report.ToString());
        Assert.Equal(mutants, report.Executions);
        // Both outcomes must occur, or the mutants are not reaching the parser's depths (or nothing is rejected).
        Assert.True(report.Accepted > 0 && report.Rejected > 0, report.ToString());
        if (name is "gguf-header" or "gguf" or "safetensors" or "checkpoint-index")
            Assert.True(BoundsChecks() > checksBefore, "no view was checked against its mapping");
    }

    /// <summary>Views checked against their mapping by the GGUF reader and by the safetensors reader.</summary>
    private static long BoundsChecks() => MappingBounds.Checks + SafeTensorsBounds.Checks;
}
