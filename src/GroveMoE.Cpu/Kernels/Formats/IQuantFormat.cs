using System.Runtime.Intrinsics;
using GroveMoE.Cpu.Quantization;

namespace GroveMoE.Cpu.Kernels.Formats;

/// <summary>
/// A quantized block format as the tile kernels see it: how its rows are laid out in groups of
/// <see cref="TileLayout.GroupRows"/> (the "tiled" layout, built once at load), and how one unit of 32 values of a
/// group is unpacked into registers. The drivers in <see cref="TileKernels"/> do everything else (the byte dots,
/// the scales, threads, tails), generic over this interface so the JIT specialises them per format and ISA.
/// See Kernels/README.md for how to add a format.
/// </summary>
internal unsafe interface IQuantFormat
{
    static abstract GgmlType Type { get; }

    /// <summary>Bytes of one ggml block as the file stores it, and values per block (a multiple of 32).</summary>
    static abstract int BlockBytes { get; }
    static abstract int BlockValues { get; }

    /// <summary>
    /// Bits of the unpacked weights u (u &lt; 2^WeightBits). vpmaddubsw pair sums (≤ 2·u·127) add up in int16 without
    /// saturating eight at a time for 4 bits, four for 5, two for 6, which the AVX2 and AVX-512BW dots use; 8-bit u
    /// costs them a split into nibbles.
    /// </summary>
    static abstract int WeightBits { get; }

    /// <summary>
    /// How the unsigned u relates to the weight: w = u - Offset (an integer, removed with the activation sums),
    /// or, when <see cref="HasMins"/>, w·scale = u·Scales - Mins per row (K-quant style; Offset is then 0).
    /// </summary>
    static abstract int Offset { get; }
    static abstract bool HasMins { get; }

    /// <summary>
    /// True when a unit has two scales, <see cref="Tile512.Scales"/> for values 0..15 (W0..W3) and
    /// <see cref="Tile512.HighScales"/> for 16..31 (the sub-blocks of 16 of Q2_K, Q3_K and Q6_K), and with
    /// <see cref="HasMins"/> two mins (<see cref="Tile512.HighMins"/>, Q2_K); the offset and the mins then go per half
    /// with the activations' half sums (<see cref="Q8Row.LowSums"/>).
    /// </summary>
    static abstract bool SplitScales { get; }

    /// <summary>Bytes of one group of 16 rows of <paramref name="blocks"/> blocks in the tiled layout; a multiple of 64.</summary>
    static abstract long GroupBytes(int blocks);

    /// <summary>Packs 16 rows (pointers to their stored blocks; null for padding rows past the matrix) into one group.</summary>
    static abstract void PackGroup(byte** rows, int blocks, byte* group);

    /// <summary>Unit <paramref name="unit"/> (values 32·unit..32·unit+31) of all 16 rows of a group.</summary>
    static abstract Tile512 Load512(byte* group, int blocks, int unit);

    /// <summary>Rows 8·half..8·half+7 of <see cref="Load512"/>.</summary>
    static abstract Tile256 Load256(byte* group, int blocks, int unit, int half);

    /// <summary>
    /// The scalar form of <see cref="Load512"/> for one row: its 32 u's, scale and min (and the high half's, equal to
    /// them unless <see cref="SplitScales"/>): the reference the SIMD paths are tested against.
    /// </summary>
    static abstract void LoadScalar(byte* group, int blocks, int unit, int row, byte* u, out float scale, out float highScale, out float min,
        out float highMin);
}

/// <summary>
/// One unit (32 values) of 16 rows in registers. <c>W{j}</c> holds values 4j..4j+3 of row r in bytes 4r..4r+3, as
/// unsigned u; <see cref="Scales"/> and <see cref="Mins"/> hold each row's unit scale and min (Mins only when the
/// format <see cref="IQuantFormat.HasMins"/>, <see cref="HighScales"/> only when it has <see cref="IQuantFormat.SplitScales"/>,
/// <see cref="HighMins"/> only with both).
/// </summary>
internal struct Tile512
{
    public Vector512<byte> W0, W1, W2, W3, W4, W5, W6, W7;
    public Vector512<float> Scales, HighScales, Mins, HighMins;
}

/// <summary>Eight rows of a <see cref="Tile512"/>.</summary>
internal struct Tile256
{
    public Vector256<byte> W0, W1, W2, W3, W4, W5, W6, W7;
    public Vector256<float> Scales, HighScales, Mins, HighMins;
}
