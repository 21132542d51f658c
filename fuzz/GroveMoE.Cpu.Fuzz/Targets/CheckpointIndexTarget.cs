using System.Text;
using GroveMoE.Cpu.Conversion.SafeTensors;

namespace GroveMoE.Cpu.Fuzz.Targets;

/// <summary>A checkpoint's <c>model.safetensors.index.json</c> over two valid shards: the index opened, every tensor found and read.</summary>
public sealed class CheckpointIndexTarget : FuzzTarget
{
    private readonly string _directory;

    public CheckpointIndexTarget(string scratch)
    {
        _directory = Path.Combine(scratch, "checkpoint");
        Directory.CreateDirectory(_directory);
        File.WriteAllBytes(Path.Combine(_directory, "model-00001-of-00002.safetensors"), SafeTensorsTarget.Write(SafeTensorsTarget.FirstShard));
        File.WriteAllBytes(Path.Combine(_directory, "model-00002-of-00002.safetensors"), SafeTensorsTarget.Write(SafeTensorsTarget.SecondShard));
    }

    public override string Name => "checkpoint-index";

    public override IReadOnlyList<byte[]> Seeds { get; } =
    [
        Encoding.UTF8.GetBytes("""
        {"metadata": {"total_size": 104}, "weight_map": {"model.a": "model-00001-of-00002.safetensors",
         "model.b": "model-00001-of-00002.safetensors", "model.empty": "model-00001-of-00002.safetensors",
         "model.c": "model-00002-of-00002.safetensors", "model.ids": "model-00002-of-00002.safetensors"}}
        """),
        Encoding.UTF8.GetBytes("""{"weight_map":{"model.c":"model-00002-of-00002.safetensors"}}"""),
    ];

    public override bool IsJson => true;

    public override bool IsDocumented(Exception e) => e is SafeTensorsFormatException or FileNotFoundException;

    public override void Run(ReadOnlySpan<byte> input)
    {
        File.WriteAllBytes(Path.Combine(_directory, SafeTensorsCheckpoint.IndexFileName), input);
        using var checkpoint = SafeTensorsCheckpoint.Open(_directory);
        foreach (string name in checkpoint.TensorNames)
        {
            var (file, info) = checkpoint.Tensor(name);
            if (!SafeTensorsDTypes.IsConvertible(info.DType)) continue;
            file.ReadFloats(info, 0, new float[info.ElementCount]);
        }
    }
}
