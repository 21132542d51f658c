using System.Buffers.Binary;
using System.Text;
using System.Text.RegularExpressions;

namespace GroveMoE.Cpu.Tests.Cli;

/// <summary>Reads a little-endian float32 .npy (format 1.0) written from the NumPy format description, checking its header.</summary>
public static partial class NpyReader
{
    public static (int[] Shape, float[] Values) ReadFloat32(string path)
    {
        var bytes = File.ReadAllBytes(path);
        Assert.Equal([0x93, (byte)'N', (byte)'U', (byte)'M', (byte)'P', (byte)'Y', 1, 0], bytes[..8]);
        int headerLength = BinaryPrimitives.ReadUInt16LittleEndian(bytes.AsSpan(8));
        Assert.Equal(0, (10 + headerLength) % 64);
        string header = Encoding.ASCII.GetString(bytes, 10, headerLength);
        Assert.EndsWith("\n", header);
        Assert.Contains("'descr': '<f4'", header);
        Assert.Contains("'fortran_order': False", header);
        var shape = ShapePattern().Match(header).Groups[1].Value
            .Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).Select(int.Parse).ToArray();
        int count = shape.Aggregate(1, (a, b) => a * b);
        Assert.Equal(10 + headerLength + 4 * count, bytes.Length);
        var values = new float[count];
        for (int i = 0; i < count; i++) values[i] = BinaryPrimitives.ReadSingleLittleEndian(bytes.AsSpan(10 + headerLength + 4 * i));
        return (shape, values);
    }

    [GeneratedRegex(@"'shape': \(([^)]*)\)")]
    private static partial Regex ShapePattern();
}
