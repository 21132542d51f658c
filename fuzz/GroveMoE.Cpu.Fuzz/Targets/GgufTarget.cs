using GroveMoE.Cpu.Generation;
using GroveMoE.Cpu.Gguf;
using GroveMoE.Cpu.Model;
using GroveMoE.Cpu.Conversion.Synthetic;
using GroveMoE.Cpu.Conversion.Gguf;
using GroveMoE.Cpu.Quantization;
using GroveMoE.Cpu.Tokenization;

namespace GroveMoE.Cpu.Fuzz.Targets;

/// <summary>
/// A GGUF file through everything a load does: the header and tensor views, then (when it parses) the GroveMoE
/// hyperparameters and weights, the tokenizer and chat template, and two evaluated tokens.
/// </summary>
public sealed class GgufTarget(string scratch) : FuzzTarget
{
    private readonly string _path = Path.Combine(scratch, "fuzz.gguf");
    private IReadOnlyList<byte[]>? _seeds;
    private readonly Dictionary<byte[], int> _headerLengths = new(ReferenceEqualityComparer.Instance);

    public override string Name => "gguf";

    public override IReadOnlyList<byte[]> Seeds => _seeds ??= BuildSeeds();

    public override int InterestingPrefix(byte[] seed) => _headerLengths.GetValueOrDefault(seed, seed.Length);

    public override bool IsDocumented(Exception e) => e is GgufFormatException or GgufMissingKeyException
        or GgufMissingTensorException or ModelFormatException or InsufficientMemoryException;

    public override void Run(ReadOnlySpan<byte> input)
    {
        File.WriteAllBytes(_path, input);
        using var model = GroveModel.Load(_path);
        var tokenizer = GroveTokenizer.FromMetadata(model.File.Metadata);
        _ = ChatTemplate.ForModel(model.File.Metadata);
        int vocab = model.Config.Vocab;
        var ids = tokenizer.Encode("ab <|im_start|>");
        _ = tokenizer.Decode(ids);
        using var forward = new GroveForward(model, contextLength: 4, threads: 1, batchSize: 2);
        var logits = new float[vocab];
        int[] tokens = [0, Math.Min(1, vocab - 1)];
        forward.Evaluate(tokens, logits);
    }

    /// <summary>Reads only the header and every tensor view: the cheap half, for volume.</summary>
    public sealed class HeaderOnly(string scratch) : FuzzTarget
    {
        private readonly GgufTarget _full = new(scratch);

        public override string Name => "gguf-header";
        public override IReadOnlyList<byte[]> Seeds => _full.Seeds;
        public override int InterestingPrefix(byte[] seed) => _full.InterestingPrefix(seed);
        public override bool IsDocumented(Exception e) => _full.IsDocumented(e);

        public override void Run(ReadOnlySpan<byte> input)
        {
            File.WriteAllBytes(_full._path, input);
            using var file = GgufFile.Open(_full._path);
            foreach (var info in file.TensorInfos)
            {
                var tensor = file.Tensor(info.Name);
                if (info.ByteSize <= int.MaxValue && tensor.Bytes is { Length: > 0 } bytes) _ = bytes[0] ^ bytes[^1];
            }
            foreach (var key in file.Metadata.Keys) _ = file.Metadata[key].ToString();
        }
    }

    private List<byte[]> BuildSeeds()
    {
        string model = Path.Combine(Path.GetDirectoryName(_path)!, "seed-model.gguf");
        var config = SyntheticPresets.Tiny(SmallTokenizer.Tokens.Length) with { Layers = 1, Experts = 4, ExpertsUsed = 2, ExpertWidth = 32, Hidden = 32, Heads = 2, KvHeads = 1, HeadDim = 16, AdjugateWidth = 32 };
        SyntheticModelWriter.Write(model, new SyntheticModelOptions(config, GgmlType.Q8_0)
        {
            ExpertType = GgmlType.Q4_0,
            ExtraMetadata = SmallTokenizer.Metadata(),
        });
        string rich = Path.Combine(Path.GetDirectoryName(_path)!, "seed-rich.gguf");
        WriteMetadataRich(rich);
        var seeds = new List<byte[]>();
        foreach (var path in new[] { model, rich })
        {
            var bytes = File.ReadAllBytes(path);
            using (var file = GgufFile.Open(path)) _headerLengths[bytes] = (int)file.DataStart;
            seeds.Add(bytes);
            File.Delete(path);
        }
        return seeds;
    }

    /// <summary>Every metadata value type, arrays of arrays and strings, and one tensor of each block type.</summary>
    private static void WriteMetadataRich(string path)
    {
        var m = new GgufMetadata();
        m.Set("general.architecture", GgufValue.Of("grovemoe"));
        m.Set("general.alignment", GgufValue.Of(64u));
        m.Set("u8", new GgufValue(GgufValueType.UInt8, (byte)7));
        m.Set("i8", new GgufValue(GgufValueType.Int8, (sbyte)-7));
        m.Set("u16", new GgufValue(GgufValueType.UInt16, (ushort)700));
        m.Set("i16", new GgufValue(GgufValueType.Int16, (short)-700));
        m.Set("i64", new GgufValue(GgufValueType.Int64, -7L));
        m.Set("u64", GgufValue.Of(7UL));
        m.Set("f64", new GgufValue(GgufValueType.Float64, 0.5));
        m.Set("b", GgufValue.Of(true));
        m.Set("strings", GgufValue.Of(["a", "bc", "\u00e9\u4e2d"]));
        m.Set("floats", GgufValue.Of([1f, 2f]));
        m.Set("nested", new GgufValue(GgufValueType.Array,
            new[] { GgufValue.Of([1, 2]), GgufValue.Of([3]) }, GgufValueType.Array));
        using var writer = new GgufWriter(new FileStream(path, FileMode.Create), m,
            [("q4", GgmlType.Q4_0, [32, 2]), ("q8", GgmlType.Q8_0, [32]), ("f16", GgmlType.F16, [3, 2]), ("bf16", GgmlType.BF16, [2]), ("f32", GgmlType.F32, [1, 1, 2])]);
        while (writer.Next is { } next) writer.WriteTensorData(new byte[next.ByteSize]);
        writer.Finish();
    }
}
