using System.Runtime.InteropServices;
using System.Text;

namespace GroveMoE.Cli.Output;

/// <summary>Writes NumPy .npy files (format 1.0, little-endian float32, C order).</summary>
internal static class NpyWriter
{
    public static void WriteFloat32(string path, ReadOnlySpan<float> values, params int[] shape)
    {
        string dims = shape.Length == 1 ? $"{shape[0]}," : string.Join(", ", shape);
        string header = $"{{'descr': '<f4', 'fortran_order': False, 'shape': ({dims}), }}";
        // Magic (6) + version (2) + length (2) + header + newline, padded with spaces to a multiple of 64.
        int total = (10 + header.Length + 1 + 63) / 64 * 64;
        header = header.PadRight(total - 10 - 1) + "\n";

        using var stream = new FileStream(path, FileMode.Create, FileAccess.Write);
        stream.Write([0x93, (byte)'N', (byte)'U', (byte)'M', (byte)'P', (byte)'Y', 1, 0]);
        stream.Write(BitConverter.GetBytes((ushort)header.Length));
        stream.Write(Encoding.ASCII.GetBytes(header));
        stream.Write(MemoryMarshal.AsBytes(values));
    }
}
