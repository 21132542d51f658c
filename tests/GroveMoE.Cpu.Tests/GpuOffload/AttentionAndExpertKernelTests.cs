using GroveMoE.Cpu.Gguf;
using GroveMoE.Cpu.GpuOffload.Kernels;
using GroveMoE.Cpu.Kernels;
using GroveMoE.Cpu.Model;
using GroveMoE.Cpu.Quantization;
using ILGPU;
using ILGPU.Runtime;

namespace GroveMoE.Cpu.Tests.GpuOffload;

/// <summary>The attention and expert kernels against float64 references built from the CPU runtime's pieces.</summary>
[Collection(GpuCollection.Name)]
public sealed unsafe class AttentionAndExpertKernelTests(CpuAcceleratorFixture gpu)
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

    [Fact]
    public void HeadNormRope_and_Attention_match_a_float64_causal_attention_over_the_cache()
    {
        var s = new AttentionShape { Heads = 4, KvHeads = 2, HeadDim = 16, StartPosition = 3, Capacity = 8, Epsilon = 1e-6f };
        const int n = 2;
        int hd = s.HeadDim, half = hd / 2;
        var q = Random(n * s.QueryDim, 10);
        var k = Random(n * s.KvDim, 11);
        var v = Random(n * s.KvDim, 12);
        var norms = Random(2 * hd, 13);
        var keys = Random(s.Capacity * s.KvDim, 14);   // positions before StartPosition: earlier tokens
        var values = Random(s.Capacity * s.KvDim, 15);
        var rope = new Rope(hd, 10000f);
        var angles = new float[n * hd];
        for (int t = 0; t < n; t++) rope.Angles(s.StartPosition + t, angles.AsSpan(t * hd, half), angles.AsSpan(t * hd + half, half));

        using var memory = gpu.Memory();
        var dq = memory.Upload(q);
        var (dk, dv, dKeys, dValues) = (memory.Upload(k), memory.Upload(v), memory.Upload(keys), memory.Upload(values));
        var output = memory.Activations(n, s.QueryDim);
        var scores = memory.Allocate<float>(n * s.Heads * s.Capacity);
        gpu.Kernels.HeadNormRope(n * (s.Heads + s.KvHeads), dq, dk, dv, memory.Upload(norms), memory.Upload(angles), dKeys, dValues, s);
        gpu.Kernels.Attention(n * s.Heads, dq, dKeys, dValues, scores, output, s);
        var actual = Read(output.Floats);

        for (int t = 0; t < n; t++)
        {
            var cos = angles.AsSpan(t * hd, half);
            var sin = angles.AsSpan(t * hd + half, half);
            for (int h = 0; h < s.Heads; h++)
            {
                var head = q.AsSpan(t * s.QueryDim + h * hd, hd);
                RmsNorm.Apply(head, norms.AsSpan(0, hd), s.Epsilon, head);
                Rope.Apply(head, cos, sin);
            }
            for (int h = 0; h < s.KvHeads; h++)
            {
                var key = keys.AsSpan((s.StartPosition + t) * s.KvDim + h * hd, hd);
                RmsNorm.Apply(k.AsSpan(t * s.KvDim + h * hd, hd), norms.AsSpan(hd, hd), s.Epsilon, key);
                Rope.Apply(key, cos, sin);
                v.AsSpan(t * s.KvDim + h * hd, hd).CopyTo(values.AsSpan((s.StartPosition + t) * s.KvDim + h * hd, hd));
            }
        }
        for (int t = 0; t < n; t++)
        for (int h = 0; h < s.Heads; h++)
        {
            int kv = h / (s.Heads / s.KvHeads) * hd, positions = s.StartPosition + t + 1;
            var weights = new double[positions];
            for (int j = 0; j < positions; j++)
            {
                double dot = 0;
                for (int i = 0; i < hd; i++) dot += q[t * s.QueryDim + h * hd + i] * (double)keys[j * s.KvDim + kv + i];
                weights[j] = dot / Math.Sqrt(hd);
            }
            double max = weights.Max(), sum = weights.Sum(w => Math.Exp(w - max));
            for (int i = 0; i < hd; i++)
            {
                double expected = 0;
                for (int j = 0; j < positions; j++) expected += Math.Exp(weights[j] - max) / sum * values[j * s.KvDim + kv + i];
                Assert.Equal(expected, actual[t * s.QueryDim + h * hd + i], 1e-4);
            }
        }
    }

    [Theory]
    [InlineData(GgmlType.Q4_0)]
    [InlineData(GgmlType.Q8_0)]
    [InlineData(GgmlType.F16)]
    public void Expert_kernels_run_each_assignments_expert_and_accumulate_the_weighted_outputs(GgmlType type)
    {
        const int experts = 3, hidden = 64, width = 32, n = 2, k = 2;
        byte[] gate = RowCodec.QuantizeMatrix(type, Random(experts * width * hidden, 20), hidden);
        byte[] up = RowCodec.QuantizeMatrix(type, Random(experts * width * hidden, 21), hidden);
        byte[] down = RowCodec.QuantizeMatrix(type, Random(experts * hidden * width, 22), width);
        int[] assigned = [2, 0, 1, -1];
        float[] weights = [0.7f, 0.3f, 0.25f, 0f];
        var xValues = Random(n * hidden, 23);
        var start = Random(n * hidden, 24);

        using var memory = gpu.Memory();
        var x = memory.Activations(n, hidden);
        x.Floats.CopyFromCPU(ref xValues[0], xValues.Length);
        gpu.Kernels.Quantize(n * hidden / 32, x);
        DeviceMatrix Upload(byte[] bytes, int rows, int cols)
        {
            fixed (byte* p = bytes) return memory.Upload(new GgufTensor(new GgufTensorInfo("experts", type, [cols, rows, experts]), p));
        }
        var (dGate, dUp, dDown) = (Upload(gate, width, hidden), Upload(up, width, hidden), Upload(down, hidden, width));
        var act = memory.Activations(n * k, width);
        var outputs = memory.Allocate<float>(n * k * hidden);
        var dx = memory.Upload(start);
        var zeros = memory.Upload(new float[n * k]);
        var dAssigned = memory.Upload(assigned);
        gpu.Kernels.ExpertGateUp(n * k * width, dGate, dUp, x, dAssigned, k, act);
        gpu.Kernels.Quantize(n * k * width / 32, act);
        gpu.Kernels.ExpertDown(n * k * hidden, dDown, act, dAssigned, outputs);
        gpu.Kernels.AccumulateExperts(n * hidden, dx, hidden, k, memory.Upload(weights), outputs, zeros, outputs);
        var actual = Read(dx);

        bool quantized = type != GgmlType.F16;
        double[] Input(float[] v, int row, int cols)
        {
            if (!quantized) return v.Skip(row * cols).Take(cols).Select(f => (double)f).ToArray();
            var q8 = new Q8Activations(1, cols);
            q8.Quantize(v.AsSpan(row * cols, cols), 1, cols);
            return Enumerable.Range(0, cols).Select(c => q8.RowQuants(0)[c] * (double)q8.RowScales(0)[c / 32]).ToArray();
        }
        double Dot(byte[] matrix, int e, int r, int rows, int cols, double[] input)
        {
            long rowBytes = GgmlTypeInfo.RowBytes(type, cols);
            var row = new float[cols];
            RowCodec.Dequantize(type, matrix.AsSpan((int)((e * rows + r) * rowBytes), (int)rowBytes), row);
            return Enumerable.Range(0, cols).Sum(c => row[c] * input[c]);
        }
        for (int t = 0; t < n; t++)
        {
            var expected = start.Skip(t * hidden).Take(hidden).Select(f => (double)f).ToArray();
            var input = Input(xValues, t, hidden);
            for (int s = 0; s < k; s++)
            {
                int e = assigned[t * k + s];
                if (e < 0) continue;
                var a = new float[width];
                for (int i = 0; i < width; i++)
                {
                    double g = Dot(gate, e, i, width, hidden, input), u = Dot(up, e, i, width, hidden, input);
                    a[i] = (float)(g / (1 + Math.Exp(-g)) * u);
                }
                var aInput = Input(a, 0, width);
                for (int j = 0; j < hidden; j++) expected[j] += weights[t * k + s] * Dot(down, e, j, hidden, width, aInput);
            }
            for (int j = 0; j < hidden; j++) Assert.Equal(expected[j], actual[t * hidden + j], 2e-3);
        }
    }
}
