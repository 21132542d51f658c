using GroveMoE.Cpu.Model;
using GroveMoE.Cpu.Quantization;

namespace GroveMoE.Cpu.Tests.Model;

/// <summary>Counts the whole process's allocations, workers included, so nothing else may run meanwhile.</summary>
[CollectionDefinition(nameof(DecodeAllocationTests), DisableParallelization = true)]
public class DecodeAllocationCollection;

[Collection(nameof(DecodeAllocationTests))]
public class DecodeAllocationTests
{
    private const int Context = 512;

    [Theory]
    [InlineData(GgmlType.Q4_0, KvCacheType.F32)]
    [InlineData(GgmlType.Q8_0, KvCacheType.F16)]
    [InlineData(GgmlType.F16, KvCacheType.F32)]
    public void DecodeStepsAllocateNothing(GgmlType type, KvCacheType kvCache)
    {
        using var directory = new TempDirectory();
        var config = TestModels.RandomConfig(5);
        string path = TestModels.Write(directory.Path, config, type);
        using var model = GroveModel.Load(path);
        using var forward = new GroveForward(model, Context, threads: 2, kvCacheType: kvCache);
        var logits = new float[config.Vocab];
        var tokens = TestModels.Prompt(5, Context, config.Vocab);
        forward.Evaluate(tokens.AsSpan(0, 8), logits); // warm-up: JIT, first-use buffers

        // Until tiered compilation has promoted the per-step methods, their tier-0 code allocates (boxing the JIT
        // removes at tier 1; with DOTNET_TieredCompilation=0 every window is 0). On a loaded machine the background
        // compiler takes seconds, hence many windows with a pause between them. A per-token allocation shows in all.
        var windows = new List<long>();
        for (int start = 8; start + 24 <= tokens.Length && (windows.Count == 0 || windows[^1] != 0); start += 24)
        {
            if (windows.Count > 0) Thread.Sleep(100);
            long before = GC.GetTotalAllocatedBytes(precise: true);
            for (int i = start; i < start + 24; i++) forward.Evaluate(tokens.AsSpan(i, 1), logits);
            windows.Add(GC.GetTotalAllocatedBytes(precise: true) - before);
        }
        Assert.True(windows[^1] == 0, $"bytes allocated per 24 decode steps, by window: {string.Join(", ", windows)}");
    }
}
