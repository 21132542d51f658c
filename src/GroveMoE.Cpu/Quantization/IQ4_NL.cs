namespace GroveMoE.Cpu.Quantization;

/// <summary>
/// ggml's IQ4_NL: blocks of 32 stored as f16 scale d and 16 bytes of 4-bit indices (element j low, j+16 high) into
/// a fixed non-linear grid of int8 values; value = d·grid[index].
/// </summary>
internal static class IQ4_NL
{
    /// <summary>ggml's kvalues_iq4nl: denser near zero, where most weights are.</summary>
    public static ReadOnlySpan<sbyte> Grid => [-127, -104, -83, -65, -49, -35, -22, -10, 1, 13, 25, 38, 53, 69, 89, 113];

    /// <summary>Scale candidates either side of the extreme value's scale (ggml's ntry for files, not its ref path).</summary>
    public const int SearchTries = 7;

    public static void QuantizeRow(ReadOnlySpan<float> source, Span<byte> destination)
    {
        int blocks = BlockRow.Count(GgmlType.IQ4_NL, source.Length, destination.Length);
        Span<float> weights = stackalloc float[32];
        Span<byte> levels = stackalloc byte[32];
        for (int b = 0; b < blocks; b++)
        {
            var x = source.Slice(b * 32, 32);
            var block = destination.Slice(b * 18, 18);
            for (int j = 0; j < 32; j++) weights[j] = x[j] * x[j];
            float d = ScaleSearch.NonLinear(x, weights, Grid, SearchTries, levels);
            BlockRow.WriteHalf(block, 0, d);
            float id = d != 0 ? 1 / d : 0;
            for (int j = 0; j < 32; j++) levels[j] = (byte)ScaleSearch.NearestGridIndex(Grid, id * x[j]);
            PackNibbles(levels, block.Slice(2, 16));
        }
    }

    public static void DequantizeRow(ReadOnlySpan<byte> source, Span<float> destination)
    {
        int blocks = BlockRow.Count(GgmlType.IQ4_NL, destination.Length, source.Length);
        var grid = Grid;
        for (int b = 0; b < blocks; b++)
        {
            var block = source.Slice(b * 18, 18);
            float d = BlockRow.Half(block, 0);
            var y = destination.Slice(b * 32, 32);
            for (int j = 0; j < 16; j++)
            {
                y[j] = d * grid[block[2 + j] & 0x0F];
                y[j + 16] = d * grid[block[2 + j] >> 4];
            }
        }
    }

    /// <summary>32 indices into 16 bytes: element j in the low nibble of byte j, element j+16 in its high nibble.</summary>
    public static void PackNibbles(ReadOnlySpan<byte> levels, Span<byte> packed)
    {
        for (int j = 0; j < 16; j++) packed[j] = (byte)(levels[j] | (levels[j + 16] << 4));
    }
}
