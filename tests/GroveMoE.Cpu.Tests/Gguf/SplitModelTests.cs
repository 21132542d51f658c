using GroveMoE.Cpu.Gguf;
using GroveMoE.Cpu.Model;
using GroveMoE.Cpu.Conversion.Synthetic;
using GroveMoE.Cpu.Quantization;
using GroveMoE.Cpu.Tests.Model;

namespace GroveMoE.Cpu.Tests.Gguf;

/// <summary>Split GGUFs as gguf-split writes them (split.no / split.count / split.tensors.count) open as one model.</summary>
public sealed class SplitModelTests : IDisposable
{
    private readonly TempDirectory _dir = new();
    private readonly string _whole;

    public SplitModelTests()
    {
        _whole = _dir.File("whole.gguf");
        SyntheticModelWriter.Write(_whole, new SyntheticModelOptions(SyntheticPresets.Tiny(64), GgmlType.Q8_0) { ExpertType = GgmlType.Q4_0 });
    }

    public void Dispose() => _dir.Dispose();

    private static GgufValue U16(int value) => new(GgufValueType.UInt16, (ushort)value);

    /// <summary>Writes the whole model as <paramref name="count"/> parts (metadata in the first, tensors dealt out in order); returns their paths.</summary>
    private string[] Split(int count, string stem = "model", Action<int, GgufMetadata>? edit = null, Func<int, int, bool>? inPart = null)
    {
        using var whole = GgufFile.Open(_whole);
        int tensors = whole.TensorInfos.Count;
        inPart ??= (part, index) => index * count / tensors == part;
        var paths = new string[count];
        for (int part = 0; part < count; part++)
        {
            paths[part] = _dir.File($"{stem}-{part + 1:D5}-of-{count:D5}.gguf");
            int p = part;
            var names = whole.TensorInfos.Where((_, i) => inPart(p, i)).Select(t => t.Name).ToHashSet();
            GgufRewriter.Rewrite(_whole, paths[part], m =>
            {
                if (p > 0) foreach (var key in m.Keys.ToList()) m.Remove(key);
                m.Set(GgufSplitKeys.Number, U16(p));
                m.Set(GgufSplitKeys.Count, U16(count));
                m.Set(GgufSplitKeys.TensorsCount, GgufValue.Of(tensors));
                if (p > 0) m.Remove(GgufSplitKeys.TensorsCount);
                edit?.Invoke(p, m);
            }, names.Contains);
        }
        return paths;
    }

    [Fact]
    public void ThePartsOpenAsTheWholeFileAndGiveItsLogits()
    {
        var parts = Split(3);
        using var whole = GroveModel.Load(_whole);
        using var split = GroveModel.Load(parts[0]);
        Assert.Equal(parts, split.File.PartPaths);
        Assert.Equal(parts.Sum(p => new FileInfo(p).Length), split.File.FileSize);
        Assert.Equal(whole.File.TensorInfos.Select(t => t.Name).Order(), split.File.TensorInfos.Select(t => t.Name).Order());
        foreach (var t in whole.File.TensorInfos)
            Assert.True(whole.File.Tensor(t.Name).Bytes.SequenceEqual(split.File.Tensor(t.Name).Bytes), t.Name);

        int[] tokens = [1, 5, 9, 2, 40, 33];
        float[] Logits(GroveModel model)
        {
            using var forward = new GroveForward(model, tokens.Length, 1, 8);
            var logits = new float[tokens.Length * model.Config.Vocab];
            forward.Evaluate(tokens, logits, allPositions: true);
            return logits;
        }
        Assert.Equal(Logits(whole), Logits(split));
    }

    [Fact]
    public void AMissingPartIsNamed()
    {
        var parts = Split(3);
        File.Delete(parts[2]);
        var e = Assert.Throws<FileNotFoundException>(() => GgufFile.Open(parts[0]));
        Assert.Contains("part 3 of 3", e.Message);
    }

    [Fact]
    public void ALaterPartSaysToOpenTheFirst()
    {
        var parts = Split(2);
        Assert.Contains("first part", Assert.Throws<GgufFormatException>(() => GgufFile.Open(parts[1])).Message);
    }

    [Fact]
    public void PartsThatDisagreeAreRejected()
    {
        var wrongCount = Split(2, "count", (p, m) => { if (p == 0) m.Set(GgufSplitKeys.TensorsCount, GgufValue.Of(3)); });
        Assert.Contains(GgufSplitKeys.TensorsCount, Assert.Throws<GgufFormatException>(() => GgufFile.Open(wrongCount[0])).Message);

        var wrongNumber = Split(3, "number", (p, m) => { if (p == 2) m.Set(GgufSplitKeys.Number, U16(1)); });
        Assert.Contains("expected part 3 of 3", Assert.Throws<GgufFormatException>(() => GgufFile.Open(wrongNumber[0])).Message);

        var twice = Split(2, "twice", inPart: (part, index) => index == 0 || index % 2 == part);
        Assert.Contains("also in an earlier part", Assert.Throws<GgufFormatException>(() => GgufFile.Open(twice[0])).Message);

        string renamed = _dir.File("renamed.gguf");
        File.Copy(Split(2, "renamed")[0], renamed);
        Assert.Contains("-00001-of-00002.gguf", Assert.Throws<GgufFormatException>(() => GgufFile.Open(renamed)).Message);
    }
}
