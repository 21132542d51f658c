using GroveMoE.Cpu.Quantization;

namespace GroveMoE.Cpu.Kernels.Formats;

/// <summary>Something done with the format struct of a tiled type (<see cref="TiledFormats.Dispatch{TAction, TResult}"/>).</summary>
internal interface IFormatAction<out TResult>
{
    TResult Run<TFormat>() where TFormat : struct, IQuantFormat;
}

/// <summary>
/// The one list of block formats with a tiled layout: the layout, the packing and the matmul dispatch all go
/// through <see cref="Dispatch{TAction, TResult}"/>, so adding a format is its <see cref="IQuantFormat"/> struct and
/// a line here.
/// </summary>
internal static class TiledFormats
{
    public static bool Supports(GgmlType type) => type is GgmlType.Q4_0 or GgmlType.Q8_0 or GgmlType.Q4_1 or GgmlType.Q5_0
        or GgmlType.Q5_1 or GgmlType.IQ4_NL or GgmlType.Q2_K or GgmlType.Q3_K or GgmlType.Q4_K or GgmlType.Q5_K or GgmlType.Q6_K
        or GgmlType.IQ4_XS;

    public static TResult Dispatch<TAction, TResult>(GgmlType type, ref TAction action)
        where TAction : struct, IFormatAction<TResult>, allows ref struct => type switch
    {
        GgmlType.Q4_0 => action.Run<Q4_0Format>(),
        GgmlType.Q8_0 => action.Run<Q8_0Format>(),
        GgmlType.Q4_1 => action.Run<Q4_1Format>(),
        GgmlType.Q5_0 => action.Run<Q5_0Format>(),
        GgmlType.Q5_1 => action.Run<Q5_1Format>(),
        GgmlType.IQ4_NL => action.Run<IQ4_NLFormat>(),
        GgmlType.Q2_K => action.Run<Q2_KFormat>(),
        GgmlType.Q3_K => action.Run<Q3_KFormat>(),
        GgmlType.Q4_K => action.Run<Q4_KFormat>(),
        GgmlType.Q5_K => action.Run<Q5_KFormat>(),
        GgmlType.Q6_K => action.Run<Q6_KFormat>(),
        GgmlType.IQ4_XS => action.Run<IQ4_XSFormat>(),
        _ => throw new NotSupportedException($"{type} has no tiled layout"),
    };
}
