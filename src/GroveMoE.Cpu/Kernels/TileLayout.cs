using GroveMoE.Cpu.Kernels.Formats;
using GroveMoE.Cpu.Quantization;

namespace GroveMoE.Cpu.Kernels;

/// <summary>
/// The tiled layout of a quantized matrix: rows in groups of <see cref="GroupRows"/>, each group packed by its
/// format (<see cref="IQuantFormat.PackGroup"/>) so one vector load brings the same values of sixteen rows; the
/// last group is padded with zero rows. A 3-D expert tensor is its matrices' tiled forms one after another.
/// </summary>
internal static unsafe class TileLayout
{
    public const int GroupRows = 16;

    public static bool Supports(GgmlType type) => type is GgmlType.Q4_0 or GgmlType.Q8_0 or GgmlType.Q4_K or GgmlType.Q5_K or GgmlType.Q6_K;

    public static int Groups(int rows) => (rows + GroupRows - 1) / GroupRows;

    /// <summary>Bytes of one group of a matrix with <paramref name="columns"/> columns.</summary>
    public static long GroupBytes(GgmlType type, int columns) => type switch
    {
        GgmlType.Q4_0 => Q4_0Format.GroupBytes(Blocks(type, columns)),
        GgmlType.Q8_0 => Q8_0Format.GroupBytes(Blocks(type, columns)),
        GgmlType.Q4_K => Q4_KFormat.GroupBytes(Blocks(type, columns)),
        GgmlType.Q5_K => Q5_KFormat.GroupBytes(Blocks(type, columns)),
        GgmlType.Q6_K => Q6_KFormat.GroupBytes(Blocks(type, columns)),
        _ => throw new NotSupportedException($"{type} has no tiled layout"),
    };

    public static long MatrixBytes(GgmlType type, int rows, int columns) => checked(Groups(rows) * GroupBytes(type, columns));

    /// <summary>Packs groups [<paramref name="groupStart"/>, <paramref name="groupEnd"/>) of row-major <paramref name="source"/> into <paramref name="destination"/> (the whole tiled matrix).</summary>
    public static void Pack(in WeightMatrix source, byte* destination, int groupStart, int groupEnd)
    {
        switch (source.Type)
        {
            case GgmlType.Q4_0: Pack<Q4_0Format>(source, destination, groupStart, groupEnd); break;
            case GgmlType.Q8_0: Pack<Q8_0Format>(source, destination, groupStart, groupEnd); break;
            case GgmlType.Q4_K: Pack<Q4_KFormat>(source, destination, groupStart, groupEnd); break;
            case GgmlType.Q5_K: Pack<Q5_KFormat>(source, destination, groupStart, groupEnd); break;
            case GgmlType.Q6_K: Pack<Q6_KFormat>(source, destination, groupStart, groupEnd); break;
            default: throw new NotSupportedException($"{source.Type} has no tiled layout");
        }
    }

    private static void Pack<TFormat>(in WeightMatrix source, byte* destination, int groupStart, int groupEnd)
        where TFormat : struct, IQuantFormat
    {
        int blocks = source.Columns / TFormat.BlockValues;
        long groupBytes = TFormat.GroupBytes(blocks);
        byte** rows = stackalloc byte*[GroupRows];
        for (int g = groupStart; g < groupEnd; g++)
        {
            for (int r = 0; r < GroupRows; r++)
            {
                int row = g * GroupRows + r;
                rows[r] = row < source.Rows ? source.Row(row) : null;
            }
            TFormat.PackGroup(rows, blocks, destination + g * groupBytes);
        }
    }

    private static int Blocks(GgmlType type, int columns) => columns / GgmlTypeInfo.BlockSize(type);
}
