using System.Runtime.InteropServices;
using GroveMoE.Cpu.GpuOffload.Kernels;
using GroveMoE.Cpu.Model;
using ILGPU;
using ILGPU.Runtime;
using Microsoft.Extensions.Logging;

namespace GroveMoE.Cpu.GpuOffload;

/// <summary>
/// Runs the first layers of a <see cref="GroveModel"/> on an ILGPU accelerator: attention with a device KV cache
/// and, where they fit, the router and experts. Plugged into <see cref="GroveForward.Offload"/> (or made by a
/// <see cref="Generation.SessionOptions.LayerOffload"/> factory, whose session disposes it).
/// </summary>
public sealed class GpuLayerOffload : ILayerOffload
{
    private readonly GpuDevice _device;
    private readonly bool _ownsDevice;
    private readonly Accelerator _a;
    private readonly KernelSet _k;
    private readonly GroveConfig _c;
    private readonly DeviceMemory _memory;
    private readonly DeviceLayer?[] _layers;
    private readonly Rope _rope;
    private readonly int _maxRows;
    private readonly int _capacity;

    private readonly ArrayView<float> _x, _q, _kv, _v, _projected, _scores, _angles, _routerLogits, _routedOut, _adjugateOut;
    private readonly ArrayView<float> _weights, _groupWeights;
    private readonly ArrayView<int> _selected, _groups, _groupCounts;
    private readonly DeviceActivations _normed, _attention, _routedAct, _adjugateAct;
    private readonly float[] _anglesHost;
    private readonly int[] _groupCountsHost;
    private int _anglesStart = -1, _anglesRows;

    private GpuLayerOffload(GpuDevice device, bool ownsDevice, GroveModel model, int capacity, int maxRows, long budget)
    {
        _device = device;
        _ownsDevice = ownsDevice;
        _a = device.Accelerator;
        _c = model.Config;
        _capacity = capacity;
        _maxRows = maxRows;
        _rope = new Rope(_c.HeadDim, _c.RopeBase);
        _layers = new DeviceLayer?[_c.Layers];
        _memory = new DeviceMemory(_a, budget);
        _k = new KernelSet(_a);

        int assignments = maxRows * _c.ExpertsUsed;
        _x = _memory.Allocate<float>((long)maxRows * _c.Hidden);
        _normed = _memory.Activations(maxRows, _c.Hidden);
        _q = _memory.Allocate<float>((long)maxRows * _c.QueryDim);
        _kv = _memory.Allocate<float>((long)maxRows * _c.KvDim);
        _v = _memory.Allocate<float>((long)maxRows * _c.KvDim);
        _attention = _memory.Activations(maxRows, _c.QueryDim);
        _projected = _memory.Allocate<float>((long)maxRows * _c.Hidden);
        _scores = _memory.Allocate<float>((long)maxRows * _c.Heads * capacity);
        _angles = _memory.Allocate<float>((long)maxRows * _c.HeadDim);
        _routerLogits = _memory.Allocate<float>((long)maxRows * _c.Experts);
        _selected = _memory.Allocate<int>(assignments);
        _weights = _memory.Allocate<float>(assignments);
        _groups = _memory.Allocate<int>(assignments);
        _groupWeights = _memory.Allocate<float>(assignments);
        _groupCounts = _memory.Allocate<int>(maxRows);
        _routedAct = _memory.Activations(assignments, _c.ExpertWidth);
        _adjugateAct = _memory.Activations(assignments, _c.AdjugateWidth);
        _routedOut = _memory.Allocate<float>((long)assignments * _c.Hidden);
        _adjugateOut = _memory.Allocate<float>((long)assignments * _c.Hidden);
        _anglesHost = new float[maxRows * _c.HeadDim];
        _groupCountsHost = new int[maxRows];
    }

    /// <summary>Layers whose attention runs on the device (the first ones).</summary>
    public int LayersOnDevice { get; private set; }

    /// <summary>Offloaded layers whose router and experts run on the device too.</summary>
    public int ExpertLayersOnDevice { get; private set; }

    /// <summary>Device memory it holds: weights, KV caches and working buffers.</summary>
    public long DeviceBytes => _memory.AllocatedBytes;

    /// <summary>The accelerator's name.</summary>
    public string DeviceName => _device.Name;

    /// <summary>
    /// Uploads the first <see cref="GpuOffloadOptions.Layers"/> layers of <paramref name="model"/>. When the device
    /// runs out of memory it keeps the layers (or expert stacks) that fit and logs a warning saying so;
    /// if not even the working buffers fit it returns null. <paramref name="maxRows"/> is the forward pass's batch size.
    /// </summary>
    /// <param name="device">The accelerator to run on.</param>
    /// <param name="model">The weights to upload.</param>
    /// <param name="options">How many layers, where their experts go, the memory budget.</param>
    /// <param name="contextLength">Positions of the device KV cache.</param>
    /// <param name="maxRows">Most tokens per <see cref="RunLayer"/>: the forward pass's batch size.</param>
    /// <param name="logger">Receives a warning for each part that stays on the CPU, and why.</param>
    /// <param name="ownsDevice">Whether the offload disposes <paramref name="device"/> (also when it returns null).</param>
    public static GpuLayerOffload? Create(GpuDevice device, GroveModel model, GpuOffloadOptions options, int contextLength,
        int maxRows, ILogger? logger = null, bool ownsDevice = false)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(options.Layers);
        if (model.File.TensorInfos.FirstOrDefault(t => !WeightDot.Supports(t.Type)) is { } other)
        {
            logger?.LogWarning("{Notice}", $"the GPU kernels do not read {other.Type} weights ('{other.Name}'); running on the CPU");
            if (ownsDevice) device.Dispose();
            return null;
        }
        long budget = options.MemoryBudgetBytes ?? (device.IsCuda ? device.MemoryBytes : long.MaxValue);
        GpuLayerOffload offload;
        try
        {
            offload = new GpuLayerOffload(device, ownsDevice, model, contextLength, maxRows, budget);
        }
        catch (DeviceOutOfMemoryException)
        {
            logger?.LogWarning("{Notice}", $"the GPU working buffers for a context of {contextLength} do not fit in device memory; running on the CPU");
            if (ownsDevice) device.Dispose();
            return null;
        }
        offload.Upload(model, Math.Min(options.Layers, model.Config.Layers), options.Experts, logger);
        return offload;
    }

    private void Upload(GroveModel model, int layers, GpuExpertPlacement placement, ILogger? logger)
    {
        bool expertsNow = placement == GpuExpertPlacement.All;
        for (int l = 0; l < layers; l++)
        {
            try
            {
                var layer = DeviceLayer.UploadAttention(_memory, model.Layer(l), _c, _capacity);
                if (expertsNow) layer.UploadExperts(_memory, model.Layer(l));
                _layers[l] = layer;
                LayersOnDevice = l + 1;
                if (expertsNow) ExpertLayersOnDevice = l + 1;
            }
            catch (DeviceOutOfMemoryException)
            {
                logger?.LogWarning("{Notice}", $"only {l} of {layers} layers fit in GPU memory; layers {l}.. run on the CPU");
                return;
            }
        }
        if (placement != GpuExpertPlacement.Hot) return;
        for (int l = 0; l < LayersOnDevice; l++)
        {
            try
            {
                _layers[l]!.UploadExperts(_memory, model.Layer(l));
                ExpertLayersOnDevice = l + 1;
            }
            catch (DeviceOutOfMemoryException)
            {
                logger?.LogWarning("{Notice}", $"the experts of {l} of {LayersOnDevice} offloaded layers fit in GPU memory; the others run on the CPU");
                return;
            }
        }
    }

    /// <inheritdoc/>
    public bool OwnsLayer(int layer) => _layers[layer] is not null;

    /// <inheritdoc/>
    public bool OwnsExperts(int layer) => _layers[layer]?.HasExperts == true;

    /// <inheritdoc/>
    public int RunLayer(int layer, Span<float> x, int n, int startPosition)
    {
        var d = _layers[layer] ?? throw new InvalidOperationException($"layer {layer} is not on the device");
        if (n > _maxRows) throw new ArgumentOutOfRangeException(nameof(n), n, $"{n} rows exceed the offload's batch of {_maxRows}");
        if (startPosition + n > _capacity) throw new ContextFullException(_capacity, startPosition + n);
        int hidden = _c.Hidden;
        var xView = _x.SubView(0, (long)n * hidden);
        xView.CopyFromCPU(ref MemoryMarshal.GetReference(x), (long)n * hidden);
        UploadAngles(startPosition, n);

        var shape = new AttentionShape
        {
            Heads = _c.Heads, KvHeads = _c.KvHeads, HeadDim = _c.HeadDim, StartPosition = startPosition,
            Capacity = _capacity, Epsilon = _c.RmsEpsilon,
        };
        _k.RmsNorm(n, _x, d.AttnNorm, _normed, _c.RmsEpsilon);
        _k.Quantize(n * _normed.Blocks, _normed);
        _k.MatMul(n * _c.QueryDim, d.Q, _normed, _q, _c.QueryDim);
        _k.MatMul(n * _c.KvDim, d.K, _normed, _kv, _c.KvDim);
        _k.MatMul(n * _c.KvDim, d.V, _normed, _v, _c.KvDim);
        _k.HeadNormRope(n * (_c.Heads + _c.KvHeads), _q, _kv, _v, d.HeadNorms, _angles, d.Keys, d.Values, shape);
        _k.Attention(n * _c.Heads, _q, d.Keys, d.Values, _scores, _attention, shape);
        _k.Quantize(n * _attention.Blocks, _attention);
        _k.MatMul(n * hidden, d.O, _attention, _projected, hidden);
        _k.AddInPlace(n * hidden, _x, _projected);

        int adjugateRuns = 0;
        if (d.HasExperts) adjugateRuns = MixtureOfExperts(d, n);
        _a.Synchronize();
        xView.CopyToCPU(ref MemoryMarshal.GetReference(x), (long)n * hidden);
        return adjugateRuns;
    }

    private int MixtureOfExperts(DeviceLayer d, int n)
    {
        int k = _c.ExpertsUsed, assignments = n * k;
        _k.RmsNorm(n, _x, d.FfnNorm, _normed, _c.RmsEpsilon);
        _k.Quantize(n * _normed.Blocks, _normed);
        _k.MatMul(n * _c.Experts, d.Router, _normed, _routerLogits, _c.Experts);
        _k.Route(n, _routerLogits, _c.Experts, k, _c.ExpertsPerGroup, _c.GroupScale, _selected, _weights, _groups,
            _groupWeights, _groupCounts);

        RunExperts(d.Experts!, _selected, k, assignments, _routedAct, _routedOut);
        RunExperts(d.Adjugates!, _groups, k, assignments, _adjugateAct, _adjugateOut);
        _k.AccumulateExperts(n * _c.Hidden, _x, _c.Hidden, k, _weights, _routedOut, _groupWeights, _adjugateOut);

        _groupCounts.SubView(0, n).CopyToCPU(ref _groupCountsHost[0], n);
        int runs = 0;
        for (int t = 0; t < n; t++) runs += _groupCountsHost[t];
        return runs;
    }

    private void RunExperts(DeviceExperts stack, ArrayView<int> experts, int k, int assignments,
        DeviceActivations activation, ArrayView<float> output)
    {
        _k.ExpertGateUp(assignments * activation.Columns, stack.Gate, stack.Up, _normed, experts, k, activation);
        _k.Quantize(assignments * activation.Blocks, activation);
        _k.ExpertDown(assignments * _c.Hidden, stack.Down, activation, experts, output);
    }

    /// <summary>Per token cos then sin of its position, computed on the host exactly as the CPU path does.</summary>
    private void UploadAngles(int startPosition, int n)
    {
        if (startPosition == _anglesStart && n == _anglesRows) return;
        int half = _rope.Half;
        for (int t = 0; t < n; t++)
        {
            var row = _anglesHost.AsSpan(t * 2 * half, 2 * half);
            _rope.Angles(startPosition + t, row[..half], row[half..]);
        }
        _angles.SubView(0, n * 2 * half).CopyFromCPU(ref _anglesHost[0], n * 2 * half);
        _anglesStart = startPosition;
        _anglesRows = n;
    }

    /// <summary>Frees its device memory, and the device when it owns it (<c>ownsDevice</c> of <see cref="Create"/>).</summary>
    public void Dispose()
    {
        _memory.Dispose();
        if (_ownsDevice) _device.Dispose();
    }
}
