using System.Buffers.Binary;

namespace GroveMoE.Cpu.Quantization;

/// <summary>
/// ggml's IQ4_XS: super-blocks of 256 = 8 sub-blocks of 32 on IQ4_NL's grid. Layout: f16 d, u16 of high scale bits
/// (2 per sub-block), 4 bytes of low scale nibbles (sub-block 2k low, 2k+1 high), 128 bytes of indices (16 per
/// sub-block as in IQ4_NL). Sub-block scale = d·(s − 32) for the 6-bit s.
/// </summary>
internal static class IQ4_XS
{
    private const int BlockBytes = 136;

    public static void QuantizeRow(ReadOnlySpan<float> source, Span<byte> destination)
    {
        int blocks = BlockRow.Count(GgmlType.IQ4_XS, source.Length, destination.Length);
        Span<float> weights = stackalloc float[32];
        Span<float> scales = stackalloc float[8];
        Span<byte> levels = stackalloc byte[32];
        var grid = IQ4_NL.Grid;
        for (int b = 0; b < blocks; b++)
        {
            var x = source.Slice(b * 256, 256);
            var block = destination.Slice(b * BlockBytes, BlockBytes);
            block.Clear();
            float maxScale = 0, amaxScale = 0;
            for (int s = 0; s < 8; s++)
            {
                var xs = x.Slice(s * 32, 32);
                for (int j = 0; j < 32; j++) weights[j] = xs[j] * xs[j];
                scales[s] = ScaleSearch.NonLinear(xs, weights, grid, IQ4_NL.SearchTries, levels);
                if (MathF.Abs(scales[s]) > amaxScale)
                {
                    amaxScale = MathF.Abs(scales[s]);
                    maxScale = scales[s];
                }
            }
            float d = -maxScale / 32;
            BlockRow.WriteHalf(block, 0, d);
            float id = d != 0 ? 1 / d : 0;
            ushort high = 0;
            for (int s = 0; s < 8; s++)
            {
                int l = Math.Clamp(ScaleSearch.NearestInt(id * scales[s]), -32, 31);
                // Indices are chosen for the scale as computed in f32 from the unrounded d, as ggml does.
                float dl = d * l;
                float idl = dl != 0 ? 1 / dl : 0;
                var xs = x.Slice(s * 32, 32);
                for (int j = 0; j < 32; j++) levels[j] = (byte)ScaleSearch.NearestGridIndex(grid, idl * xs[j]);
                IQ4_NL.PackNibbles(levels, block.Slice(8 + 16 * s, 16));
                l += 32;
                block[4 + s / 2] |= (byte)((l & 0x0F) << (4 * (s % 2)));
                high |= (ushort)((l >> 4) << (2 * s));
            }
            BinaryPrimitives.WriteUInt16LittleEndian(block[2..], high);
        }
    }

    public static void DequantizeRow(ReadOnlySpan<byte> source, Span<float> destination)
    {
        int blocks = BlockRow.Count(GgmlType.IQ4_XS, destination.Length, source.Length);
        var grid = IQ4_NL.Grid;
        for (int b = 0; b < blocks; b++)
        {
            var block = source.Slice(b * BlockBytes, BlockBytes);
            float d = BlockRow.Half(block, 0);
            int high = BinaryPrimitives.ReadUInt16LittleEndian(block[2..]);
            for (int s = 0; s < 8; s++)
            {
                int scale = ((block[4 + s / 2] >> (4 * (s % 2))) & 0x0F) | (((high >> (2 * s)) & 3) << 4);
                float dl = d * (scale - 32);
                var q = block.Slice(8 + 16 * s, 16);
                var y = destination.Slice(b * 256 + s * 32, 32);
                for (int j = 0; j < 16; j++)
                {
                    y[j] = dl * grid[q[j] & 0x0F];
                    y[j + 16] = dl * grid[q[j] >> 4];
                }
            }
        }
    }
}
