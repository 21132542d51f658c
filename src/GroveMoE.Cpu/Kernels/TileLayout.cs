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

    public static bool Supports(GgmlType type) => TiledFormats.Supports(type);

    public static int Groups(int rows) => (rows + GroupRows - 1) / GroupRows;

    /// <summary>Bytes of one group of a matrix with <paramref name="columns"/> columns.</summary>
    public static long GroupBytes(GgmlType type, int columns)
    {
        var action = new GroupBytesOf(columns);
        return TiledFormats.Dispatch<GroupBytesOf, long>(type, ref action);
    }

    public static long MatrixBytes(GgmlType type, int rows, int columns) => checked(Groups(rows) * GroupBytes(type, columns));

    /// <summary>Packs groups [<paramref name="groupStart"/>, <paramref name="groupEnd"/>) of row-major <paramref name="source"/> into <paramref name="destination"/> (the whole tiled matrix).</summary>
    public static void Pack(in WeightMatrix source, byte* destination, int groupStart, int groupEnd)
    {
        var action = new PackGroups(source, destination, groupStart, groupEnd);
        TiledFormats.Dispatch<PackGroups, bool>(source.Type, ref action);
    }

    private readonly struct GroupBytesOf(int columns) : IFormatAction<long>
    {
        public long Run<TFormat>() where TFormat : struct, IQuantFormat => TFormat.GroupBytes(columns / TFormat.BlockValues);
    }

    private readonly struct PackGroups(WeightMatrix source, byte* destination, int groupStart, int groupEnd) : IFormatAction<bool>
    {
        public bool Run<TFormat>() where TFormat : struct, IQuantFormat
        {
            Pack<TFormat>(source, destination, groupStart, groupEnd);
            return true;
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
}
