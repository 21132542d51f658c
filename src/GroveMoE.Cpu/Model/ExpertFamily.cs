using CommunityToolkit.HighPerformance;
using GroveMoE.Cpu.Kernels;

namespace GroveMoE.Cpu.Model;

/// <summary>
/// The routed experts or the adjugate experts of a layer for one batch: the routing plan and the buffers their
/// SwiGLU passes through (gate and up outputs, the activation fed to down, each assignment's down output).
/// </summary>
internal sealed class ExpertFamily(int experts, int maxAssignments, int width, int hidden)
{
    private readonly float[] _gate = new float[maxAssignments * width];
    private readonly float[] _up = new float[maxAssignments * width];
    private readonly BatchInput _activation = new(maxAssignments, width);
    private readonly float[] _down = new float[maxAssignments * hidden];

    public ExpertPlan Plan { get; } = new(experts, maxAssignments);

    public void AddGateUp(MatMulWork work, ExpertStack stack, BatchInput input)
    {
        for (int e = 0; e < Plan.Experts; e++)
        {
            int offset = Plan.Offsets[e], count = Plan.Count(e);
            work.Add(stack.Gate(e), input, Plan.Tokens, offset, count, _gate, offset * width, width);
            work.Add(stack.Up(e), input, Plan.Tokens, offset, count, _up, offset * width, width);
        }
    }

    /// <summary>activation = silu(gate) * up for every assignment, quantized for the down projection.</summary>
    public void Activate()
    {
        int n = Plan.Assignments;
        _activation.Reshape(n, width);
        Span2D<float> gates = new(_gate, n, width), ups = new(_up, n, width);
        for (int a = 0; a < n; a++)
        {
            var gate = gates.GetRowSpan(a);
            var up = ups.GetRowSpan(a);
            var act = _activation.Row(a);
            for (int i = 0; i < width; i++) act[i] = gate[i] / (1f + MathF.Exp(-gate[i])) * up[i];
            _activation.SetRow(a);
        }
    }

    public void AddDown(MatMulWork work, ExpertStack stack, int[] identity)
    {
        for (int e = 0; e < Plan.Experts; e++)
        {
            int offset = Plan.Offsets[e];
            work.Add(stack.Down(e), _activation, identity, offset, Plan.Count(e), _down, offset * hidden, hidden);
        }
    }

    /// <summary>x[token] += weight * down output, for every assignment.</summary>
    public void AccumulateInto(Span2D<float> x)
    {
        var down = new Span2D<float>(_down, Plan.Assignments, hidden);
        for (int a = 0; a < Plan.Assignments; a++)
        {
            var row = x.GetRowSpan(Plan.Tokens[a]);
            System.Numerics.Tensors.TensorPrimitives.MultiplyAdd(down.GetRowSpan(a), Plan.Weights[a], row, row);
        }
    }
}
