using System.Numerics.Tensors;
using System.Runtime.CompilerServices;
using GroveMoE.Cpu.Kernels;

namespace GroveMoE.Cpu.Model;

/// <summary>
/// The routed experts or the adjugate experts of a layer for one batch: the routing plan and the buffers their
/// SwiGLU passes through (gate and up outputs, the activation fed to down, each assignment's down output).
/// The activation and the accumulation run on the worker pool: serial, they were 7–9 % of a 64-token prompt with the
/// other core spinning (wide4 Q4_0, <c>probe-prompt</c>).
/// </summary>
internal sealed class ExpertFamily(int experts, int maxAssignments, int width, int hidden) : IParallelWork
{
    /// <summary>Assignments per activation item; columns per accumulation item.</summary>
    private const int ActivationChunk = 16, AccumulationColumns = 256;

    /// <summary>Below this many assignments (decode) the accumulation is cheaper than waking the other workers.</summary>
    private const int ParallelAccumulation = 32;

    private readonly float[] _gate = new float[maxAssignments * width];
    private readonly float[] _up = new float[maxAssignments * width];
    private readonly BatchInput _activation = new(maxAssignments, width);
    private readonly float[] _down = new float[maxAssignments * hidden];
    private float[] _x = [];
    private bool _accumulating;

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
    public void Activate(WorkerPool pool)
    {
        int n = Plan.Assignments;
        _activation.Reshape(n, width);
        _accumulating = false;
        pool.Run(this, (n + ActivationChunk - 1) / ActivationChunk);
    }

    public void AddDown(MatMulWork work, ExpertStack stack, int[] identity)
    {
        for (int e = 0; e < Plan.Experts; e++)
        {
            int offset = Plan.Offsets[e];
            work.Add(stack.Down(e), _activation, identity, offset, Plan.Count(e), _down, offset * hidden, hidden);
        }
    }

    /// <summary>x[token] += weight * down output, for every assignment, in assignment order (split by columns).</summary>
    public void AccumulateInto(WorkerPool pool, float[] x)
    {
        _x = x;
        _accumulating = true;
        int items = (hidden + AccumulationColumns - 1) / AccumulationColumns;
        if (Plan.Assignments >= ParallelAccumulation) pool.Run(this, items);
        else Execute(0, items, 0);
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public void Execute(int start, int end, int worker)
    {
        for (int item = start; item < end; item++)
        {
            if (_accumulating) AccumulateColumns(item * AccumulationColumns, Math.Min(hidden, (item + 1) * AccumulationColumns));
            else ActivateRows(item * ActivationChunk, Math.Min(Plan.Assignments, (item + 1) * ActivationChunk));
        }
    }

    private void ActivateRows(int start, int end)
    {
        for (int a = start; a < end; a++)
        {
            var gate = _gate.AsSpan(a * width, width);
            var up = _up.AsSpan(a * width, width);
            var act = _activation.Row(a);
            for (int i = 0; i < width; i++) act[i] = gate[i] / (1f + MathF.Exp(-gate[i])) * up[i];
            _activation.SetRow(a);
        }
    }

    private void AccumulateColumns(int c0, int c1)
    {
        for (int a = 0; a < Plan.Assignments; a++)
        {
            var row = _x.AsSpan(Plan.Tokens[a] * hidden + c0, c1 - c0);
            TensorPrimitives.MultiplyAdd(_down.AsSpan(a * hidden + c0, c1 - c0), Plan.Weights[a], row, row);
        }
    }
}
