using GroveMoE.Cpu.Gguf;
using GroveMoE.Cpu.GpuOffload;
using GroveMoE.Cpu.GpuOffload.Kernels;
using GroveMoE.Cpu.Kernels;
using GroveMoE.Cpu.Model;
using GroveMoE.Cpu.Quantization;
using ILGPU;
using ILGPU.Runtime;

namespace GroveMoE.Cpu.Tests.GpuOffload;

/// <summary>Each device kernel against a CPU reference on random data.</summary>
[Collection(GpuCollection.Name)]
public sealed unsafe class LayerKernelTests(CpuAcceleratorFixture gpu)
{
    private static float[] Random(int length, int seed, float scale = 1f)
    {
        var random = new Random(seed);
        return Enumerable.Range(0, length).Select(_ => (float)(random.NextDouble() * 2 - 1) * scale).ToArray();
    }

    private T[] Read<T>(ArrayView<T> view) where T : unmanaged
    {
        gpu.Device.Accelerator.Synchronize();
        var values = new T[view.Length];
        view.CopyToCPU(ref values[0], view.Length);
        return values;
    }

    private DeviceActivations LoadActivations(DeviceMemory memory, float[] values, int rows, int columns)
    {
        var x = memory.Activations(rows, columns);
        x.Floats.SubView(0, values.Length).CopyFromCPU(ref values[0], values.Length);
        gpu.Kernels.Quantize(rows * columns / 32, x);
        return x;
    }

    [Fact]
    public void Quantize_matches_the_cpu_activation_quantizer_exactly()
    {
        const int rows = 3, columns = 128;
        var values = Random(rows * columns, 1, 5f);
        using var memory = gpu.Memory();
        var x = LoadActivations(memory, values, rows, columns);
        gpu.Device.Accelerator.Synchronize();

        var expected = new Q8Activations(rows, columns);
        expected.Quantize(values, rows, columns);
        var quants = Read(x.Quants.SubView(0, rows * columns));
        var scales = Read(x.Scales.SubView(0, rows * columns / 32));
        var sums = Read(x.Sums.SubView(0, rows * columns / 32));
        for (int r = 0; r < rows; r++)
        {
            Assert.Equal(expected.RowQuants(r).ToArray(), quants.AsSpan(r * columns, columns).ToArray());
            Assert.Equal(expected.RowScales(r).ToArray(), scales.AsSpan(r * 4, 4).ToArray());
            Assert.Equal(expected.RowSums(r).ToArray(), sums.AsSpan(r * 4, 4).ToArray());
        }
    }

    [Theory]
    [InlineData(GgmlType.Q4_0)]
    [InlineData(GgmlType.Q8_0)]
    [InlineData(GgmlType.F32)]
    [InlineData(GgmlType.F16)]
    [InlineData(GgmlType.BF16)]
    public void MatMul_matches_a_float64_product_of_the_dequantized_operands(GgmlType type)
    {
        const int rows = 24, columns = 96, inputs = 3;
        byte[] weights = RowCodec.QuantizeMatrix(type, Random(rows * columns, 2), columns);
        var values = Random(inputs * columns, 3);
        using var memory = gpu.Memory();
        var x = LoadActivations(memory, values, inputs, columns);
        DeviceMatrix w;
        fixed (byte* data = weights) w = memory.Upload(new GgufTensor(new GgufTensorInfo("w", type, [columns, rows]), data));
        var output = memory.Allocate<float>(inputs * rows);
        gpu.Kernels.MatMul(inputs * rows, w, x, output, rows);
        var actual = Read(output);

        // Quantized weights meet the Q8-quantized activation; float weights meet the floats.
        bool quantized = type is GgmlType.Q4_0 or GgmlType.Q8_0;
        var q8 = new Q8Activations(inputs, columns);
        q8.Quantize(values, inputs, columns);
        long rowBytes = GgmlTypeInfo.RowBytes(type, columns);
        var row = new float[columns];
        for (int r = 0; r < rows; r++)
        {
            RowCodec.Dequantize(type, weights.AsSpan((int)(r * rowBytes), (int)rowBytes), row);
            for (int i = 0; i < inputs; i++)
            {
                double sum = 0, magnitude = 0;
                for (int c = 0; c < columns; c++)
                {
                    double xv = quantized ? q8.RowQuants(i)[c] * (double)q8.RowScales(i)[c / 32] : values[i * columns + c];
                    sum += row[c] * xv;
                    magnitude += Math.Abs(row[c] * xv);
                }
                Assert.InRange(actual[i * rows + r], sum - 1e-5 * magnitude - 1e-7, sum + 1e-5 * magnitude + 1e-7);
            }
        }
    }

    [Fact]
    public void RmsNorm_matches_the_cpu_norm()
    {
        const int rows = 4, columns = 64;
        var values = Random(rows * columns, 4, 3f);
        var weight = Random(columns, 5);
        using var memory = gpu.Memory();
        var x = memory.Upload(values);
        var w = memory.Upload(weight);
        var output = memory.Activations(rows, columns);
        gpu.Kernels.RmsNorm(rows, x, w, output, 1e-6f);
        var actual = Read(output.Floats);
        var expected = new float[columns];
        for (int r = 0; r < rows; r++)
        {
            RmsNorm.Apply(values.AsSpan(r * columns, columns), weight, 1e-6f, expected);
            for (int c = 0; c < columns; c++) Assert.Equal(expected[c], actual[r * columns + c], 1e-5f);
        }
    }

    [Fact]
    public void Route_selects_the_experts_weights_and_groups_of_the_cpu_router()
    {
        const int tokens = 5, experts = 16, k = 4;
        var logits = Random(tokens * experts, 6, 4f);
        logits[3] = logits[9]; // a tie: the lower index must win on both sides
        using var memory = gpu.Memory();
        var l = memory.Upload(logits);
        var selected = memory.Allocate<int>(tokens * k);
        var weights = memory.Allocate<float>(tokens * k);
        var groups = memory.Allocate<int>(tokens * k);
        var groupWeights = memory.Allocate<float>(tokens * k);
        var counts = memory.Allocate<int>(tokens);
        gpu.Kernels.Route(tokens, l, experts, k, 2, 0.05f, selected, weights, groups, groupWeights, counts);
        var (sel, w, g, gw, n) = (Read(selected), Read(weights), Read(groups),
            Read(groupWeights), Read(counts));

        var es = new int[k];
        var ew = new float[k];
        var eg = new int[k];
        var egw = new float[k];
        for (int t = 0; t < tokens; t++)
        {
            ExpertRouter.Select(logits.AsSpan(t * experts, experts), es, ew);
            int count = ExpertRouter.Groups(es, ew, 2, eg, egw);
            Assert.Equal(es, sel.AsSpan(t * k, k).ToArray());
            for (int i = 0; i < k; i++) Assert.Equal(ew[i], w[t * k + i], 1e-6f);
            Assert.Equal(count, n[t]);
            for (int i = 0; i < k; i++)
            {
                Assert.Equal(i < count ? eg[i] : -1, g[t * k + i]);
                Assert.Equal(i < count ? 0.05f * egw[i] : 0f, gw[t * k + i], 1e-6f);
            }
        }
    }
}
