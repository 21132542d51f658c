using GroveMoE.Cpu.GpuOffload;
using GroveMoE.Cpu.Model;
using GroveMoE.Cpu.Conversion.Synthetic;
using GroveMoE.Cpu.Quantization;

namespace GroveMoE.Cpu.Tests.GpuOffload;

/// <summary>The forward pass with layers offloaded to ILGPU's CPU accelerator against the CPU runtime.</summary>
[Collection(GpuCollection.Name)]
public sealed class GpuForwardTests(CpuAcceleratorFixture gpu) : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("grove-gpu-").FullName;
    private static readonly int[] Prompt = [5, 17, 300, 42, 511, 7];

    private string Model(GgmlType type)
    {
        string path = Path.Combine(_dir, $"tiny-{type}.gguf");
        SyntheticModelWriter.Write(path, new SyntheticModelOptions(SyntheticPresets.Tiny(512), type, Seed: 7));
        return path;
    }

    /// <summary>Logits of the prompt in two chunks (a prefill batch, then decode steps) so the KV cache is exercised;
    /// disposes the offload, which the forward pass leaves to its creator.</summary>
    private static float[] Logits(GroveModel model, GpuLayerOffload? offload)
    {
        using var owned = offload;
        using var forward = new GroveForward(model, 16, threads: 1, batchSize: 4) { Offload = offload };
        var logits = new float[Prompt.Length * model.Config.Vocab];
        forward.Evaluate(Prompt.AsSpan(0, 4), logits, allPositions: true);
        forward.Evaluate(Prompt.AsSpan(4, 1), logits.AsSpan(4 * model.Config.Vocab), allPositions: true);
        forward.Evaluate(Prompt.AsSpan(5, 1), logits.AsSpan(5 * model.Config.Vocab), allPositions: true);
        return logits;
    }

    private static void AssertClose(float[] expected, float[] actual)
    {
        float scale = expected.Max(MathF.Abs);
        for (int i = 0; i < expected.Length; i++)
            Assert.True(MathF.Abs(expected[i] - actual[i]) <= 2e-4f * scale, $"logit {i}: cpu {expected[i]}, gpu {actual[i]}");
    }

    [Theory]
    [InlineData(GgmlType.Q4_0, 0, GpuExpertPlacement.All)]
    [InlineData(GgmlType.Q4_0, 2, GpuExpertPlacement.All)]
    [InlineData(GgmlType.F16, 2, GpuExpertPlacement.All)]
    [InlineData(GgmlType.F32, 1, GpuExpertPlacement.All)]
    [InlineData(GgmlType.Q4_0, 2, GpuExpertPlacement.None)]
    [InlineData(GgmlType.Q8_0, 2, GpuExpertPlacement.Hot)]
    public void Offloaded_layers_give_the_cpu_logits(GgmlType type, int layers, GpuExpertPlacement experts)
    {
        using var model = GroveModel.Load(Model(type));
        var expected = Logits(model, null);
        var offload = GpuLayerOffload.Create(gpu.Device, model, new GpuOffloadOptions(layers, experts), 16, 4);
        Assert.NotNull(offload);
        Assert.Equal(layers, offload.LayersOnDevice);
        Assert.Equal(experts == GpuExpertPlacement.None ? 0 : layers, offload.ExpertLayersOnDevice);
        AssertClose(expected, Logits(model, offload));
    }

    [Fact]
    public void A_device_too_small_keeps_the_layers_that_fit_and_still_gives_the_cpu_logits()
    {
        using var model = GroveModel.Load(Model(GgmlType.Q4_0));
        var expected = Logits(model, null);
        var all = GpuLayerOffload.Create(gpu.Device, model, new GpuOffloadOptions(1), 16, 4)!;
        long oneLayer = all.DeviceBytes;
        all.Dispose();

        var notices = new WarningLog();
        var offload = GpuLayerOffload.Create(gpu.Device, model, new GpuOffloadOptions(2) { MemoryBudgetBytes = oneLayer + 64 },
            16, 4, notices);
        Assert.NotNull(offload);
        Assert.Equal(1, offload.LayersOnDevice);
        Assert.Contains(notices.Messages, n => n.Contains("only 1 of 2 layers"));
        AssertClose(expected, Logits(model, offload));

        Assert.Null(GpuLayerOffload.Create(gpu.Device, model, new GpuOffloadOptions(2) { MemoryBudgetBytes = 1024 }, 16, 4, notices));
        Assert.Contains(notices.Messages, n => n.Contains("working buffers"));
    }

    public void Dispose() => Directory.Delete(_dir, recursive: true);
}
