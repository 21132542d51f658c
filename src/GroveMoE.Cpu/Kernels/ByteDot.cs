using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;
using GroveMoE.Cpu.Kernels.Formats;

namespace GroveMoE.Cpu.Kernels;

/// <summary>
/// The unsigned-by-signed byte dot at the heart of the quantized kernels: lane i of the result is
/// Σ_{k&lt;4} u[4i+k]·s[4i+k]. Each Vector256 kernel is generic over this, so its math is written once and the
/// JIT specialises it per instruction set.
/// </summary>
internal unsafe interface IByteDot256
{
    static abstract bool IsSupported { get; }

    /// <summary>
    /// Tokens the 256-bit GEMM dots per unpacking of a tile: as many as the JIT still inlines the dots of. AVX2's
    /// two-instruction dot overran its budget at four (the four-token GEMM then ran 2.5–4× slower than four row·vector
    /// passes: kernel probe, Q4_0 15.9 vs 30.4, Q8_0 6.9 vs 20.6 GMAC/s), AVX-VNNI's holds four.
    /// </summary>
    static abstract int GemmTokens { get; }

    static abstract Vector256<int> Dot(Vector256<byte> u, Vector256<sbyte> s);

    /// <summary>Lane r: Σ_j Σ_k t.W{j}[4r+k]·x[4j+k], the integer dot of row r of the tile with 32 activations.</summary>
    static abstract Vector256<int> Dot<TFormat>(in Tile256 t, sbyte* x) where TFormat : struct, IQuantFormat;

    /// <summary><see cref="Dot{TFormat}"/> split into values 0..15 (W0..W3) and 16..31 (W4..W7), for formats with <see cref="IQuantFormat.SplitScales"/>.</summary>
    static abstract void DotHalves<TFormat>(in Tile256 t, sbyte* x, out Vector256<int> low, out Vector256<int> high) where TFormat : struct, IQuantFormat;
}

/// <summary>AVX2 vpmaddubsw + vpmaddwd. The int16 step saturates, so callers keep each pair sum below 2^15 (nibbles × int8, or |int8| × int8 with |s| ≤ 127).</summary>
internal readonly unsafe struct Avx2ByteDot : IByteDot256
{
    public static bool IsSupported => Avx2.IsSupported;
    public static int GemmTokens => 2;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<int> Dot(Vector256<byte> u, Vector256<sbyte> s) =>
        Avx2.MultiplyAddAdjacent(Avx2.MultiplyAddAdjacent(u, s), Vector256.Create((short)1));

    /// <summary>
    /// 4-bit weights: eight vpmaddubsw summed in int16 (|sum| ≤ 8·2·15·127 &lt; 2^15), one vpmaddwd; 5- and 6-bit ones
    /// sum four or two before each vpmaddwd. 8-bit ones are split into nibbles, each half summed that way, the high
    /// half weighted 16 in the vpmaddwd.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<int> Dot<TFormat>(in Tile256 t, sbyte* x) where TFormat : struct, IQuantFormat
    {
        if (TFormat.WeightBits <= 4)
        {
            return Widen(Pairs(t.W0, x) + Pairs(t.W1, x + 4) + Pairs(t.W2, x + 8) + Pairs(t.W3, x + 12)
                + Pairs(t.W4, x + 16) + Pairs(t.W5, x + 20) + Pairs(t.W6, x + 24) + Pairs(t.W7, x + 28), 1);
        }
        if (TFormat.WeightBits <= 6)
        {
            DotHalves<TFormat>(t, x, out var low, out var high);
            return low + high;
        }
        var lo = Pairs(Low(t.W0), x) + Pairs(Low(t.W1), x + 4) + Pairs(Low(t.W2), x + 8) + Pairs(Low(t.W3), x + 12)
            + Pairs(Low(t.W4), x + 16) + Pairs(Low(t.W5), x + 20) + Pairs(Low(t.W6), x + 24) + Pairs(Low(t.W7), x + 28);
        var hi = Pairs(High(t.W0), x) + Pairs(High(t.W1), x + 4) + Pairs(High(t.W2), x + 8) + Pairs(High(t.W3), x + 12)
            + Pairs(High(t.W4), x + 16) + Pairs(High(t.W5), x + 20) + Pairs(High(t.W6), x + 24) + Pairs(High(t.W7), x + 28);
        return Widen(lo, 1) + Widen(hi, 16);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void DotHalves<TFormat>(in Tile256 t, sbyte* x, out Vector256<int> low, out Vector256<int> high) where TFormat : struct, IQuantFormat
    {
        low = Half<TFormat>(t.W0, t.W1, t.W2, t.W3, x);
        high = Half<TFormat>(t.W4, t.W5, t.W6, t.W7, x + 16);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector256<int> Half<TFormat>(Vector256<byte> w0, Vector256<byte> w1, Vector256<byte> w2, Vector256<byte> w3, sbyte* x)
        where TFormat : struct, IQuantFormat
    {
        if (TFormat.WeightBits <= 5) return Widen(Pairs(w0, x) + Pairs(w1, x + 4) + Pairs(w2, x + 8) + Pairs(w3, x + 12), 1);
        if (TFormat.WeightBits <= 6) return Widen(Pairs(w0, x) + Pairs(w1, x + 4), 1) + Widen(Pairs(w2, x + 8) + Pairs(w3, x + 12), 1);
        return Widen(Pairs(Low(w0), x) + Pairs(Low(w1), x + 4) + Pairs(Low(w2), x + 8) + Pairs(Low(w3), x + 12), 1)
            + Widen(Pairs(High(w0), x) + Pairs(High(w1), x + 4) + Pairs(High(w2), x + 8) + Pairs(High(w3), x + 12), 16);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector256<int> Widen(Vector256<short> sums, short weight) => Avx2.MultiplyAddAdjacent(sums, Vector256.Create(weight));

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector256<byte> Low(Vector256<byte> u) => u & Vector256.Create((byte)0x0F);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector256<short> Pairs(Vector256<byte> u, sbyte* x) =>
        Avx2.MultiplyAddAdjacent(u, Vector256.Create(*(int*)x).AsSByte());

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector256<byte> High(Vector256<byte> u) => Vector256.ShiftRightLogical(u.AsUInt16(), 4).AsByte() & Vector256.Create((byte)0x0F);
}

/// <summary>AVX-VNNI vpdpbusd: one instruction and no int16 saturation.</summary>
internal readonly unsafe struct AvxVnniByteDot : IByteDot256
{
    public static bool IsSupported => AvxVnni.IsSupported;
    public static int GemmTokens => 4;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<int> Dot(Vector256<byte> u, Vector256<sbyte> s) =>
        AvxVnni.MultiplyWideningAndAdd(Vector256<int>.Zero, u, s);

    /// <summary>Two chains of four so consecutive vpdpbusd do not all wait on one accumulator.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<int> Dot<TFormat>(in Tile256 t, sbyte* x) where TFormat : struct, IQuantFormat
    {
        var a = AvxVnni.MultiplyWideningAndAdd(Vector256<int>.Zero, t.W0, Broadcast(x));
        var b = AvxVnni.MultiplyWideningAndAdd(Vector256<int>.Zero, t.W4, Broadcast(x + 16));
        a = AvxVnni.MultiplyWideningAndAdd(a, t.W1, Broadcast(x + 4));
        b = AvxVnni.MultiplyWideningAndAdd(b, t.W5, Broadcast(x + 20));
        a = AvxVnni.MultiplyWideningAndAdd(a, t.W2, Broadcast(x + 8));
        b = AvxVnni.MultiplyWideningAndAdd(b, t.W6, Broadcast(x + 24));
        a = AvxVnni.MultiplyWideningAndAdd(a, t.W3, Broadcast(x + 12));
        b = AvxVnni.MultiplyWideningAndAdd(b, t.W7, Broadcast(x + 28));
        return a + b;
    }

    /// <summary>The two chains of <see cref="Dot{TFormat}"/> are the two halves.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void DotHalves<TFormat>(in Tile256 t, sbyte* x, out Vector256<int> low, out Vector256<int> high) where TFormat : struct, IQuantFormat
    {
        var a = AvxVnni.MultiplyWideningAndAdd(Vector256<int>.Zero, t.W0, Broadcast(x));
        var b = AvxVnni.MultiplyWideningAndAdd(Vector256<int>.Zero, t.W4, Broadcast(x + 16));
        a = AvxVnni.MultiplyWideningAndAdd(a, t.W1, Broadcast(x + 4));
        b = AvxVnni.MultiplyWideningAndAdd(b, t.W5, Broadcast(x + 20));
        a = AvxVnni.MultiplyWideningAndAdd(a, t.W2, Broadcast(x + 8));
        b = AvxVnni.MultiplyWideningAndAdd(b, t.W6, Broadcast(x + 24));
        low = AvxVnni.MultiplyWideningAndAdd(a, t.W3, Broadcast(x + 12));
        high = AvxVnni.MultiplyWideningAndAdd(b, t.W7, Broadcast(x + 28));
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector256<sbyte> Broadcast(sbyte* x) => Vector256.Create(*(int*)x).AsSByte();
}

/// <summary>AVX-512BW forms. .NET 10 exposes no 512-bit VNNI, so the 512-bit dot is vpmaddubsw + vpmaddwd.</summary>
internal static unsafe class Avx512ByteDot
{
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector512<int> Dot(Vector512<byte> u, Vector512<sbyte> s) =>
        Avx512BW.MultiplyAddAdjacent(Avx512BW.MultiplyAddAdjacent(u, s), Vector512.Create((short)1));

    /// <summary>
    /// The 512-bit form of <see cref="Avx2ByteDot.Dot{TFormat}"/>: sixteen rows at once. Each width is a method of its
    /// own so this one stays small: the JIT's inlining budget counts a callee's whole IL before it folds the branches
    /// on the format, and the four-token GEMM inlines this four times per unit.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector512<int> Dot<TFormat>(in Tile512 t, sbyte* x) where TFormat : struct, IQuantFormat =>
        TFormat.WeightBits <= 4 ? Dot4(t, x) : TFormat.WeightBits <= 6 ? DotSum<TFormat>(t, x) : Dot8(t, x);

    /// <summary>4-bit weights, the decode and prompt path of Q4_0: intrinsics written out rather than through
    /// <see cref="Pairs"/>, eight inlinings fewer per call for the budget.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector512<int> Dot4(in Tile512 t, sbyte* x)
    {
        var sum = Avx512BW.MultiplyAddAdjacent(t.W0, Vector512.Create(*(int*)x).AsSByte())
            + Avx512BW.MultiplyAddAdjacent(t.W1, Vector512.Create(*(int*)(x + 4)).AsSByte())
            + Avx512BW.MultiplyAddAdjacent(t.W2, Vector512.Create(*(int*)(x + 8)).AsSByte())
            + Avx512BW.MultiplyAddAdjacent(t.W3, Vector512.Create(*(int*)(x + 12)).AsSByte())
            + Avx512BW.MultiplyAddAdjacent(t.W4, Vector512.Create(*(int*)(x + 16)).AsSByte())
            + Avx512BW.MultiplyAddAdjacent(t.W5, Vector512.Create(*(int*)(x + 20)).AsSByte())
            + Avx512BW.MultiplyAddAdjacent(t.W6, Vector512.Create(*(int*)(x + 24)).AsSByte())
            + Avx512BW.MultiplyAddAdjacent(t.W7, Vector512.Create(*(int*)(x + 28)).AsSByte());
        return Avx512BW.MultiplyAddAdjacent(sum, Vector512.Create((short)1));
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector512<int> DotSum<TFormat>(in Tile512 t, sbyte* x) where TFormat : struct, IQuantFormat
    {
        DotHalves<TFormat>(t, x, out var low, out var high);
        return low + high;
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector512<int> Dot8(in Tile512 t, sbyte* x)
    {
        var lo = Pairs(Low(t.W0), x) + Pairs(Low(t.W1), x + 4) + Pairs(Low(t.W2), x + 8) + Pairs(Low(t.W3), x + 12)
            + Pairs(Low(t.W4), x + 16) + Pairs(Low(t.W5), x + 20) + Pairs(Low(t.W6), x + 24) + Pairs(Low(t.W7), x + 28);
        var hi = Pairs(High(t.W0), x) + Pairs(High(t.W1), x + 4) + Pairs(High(t.W2), x + 8) + Pairs(High(t.W3), x + 12)
            + Pairs(High(t.W4), x + 16) + Pairs(High(t.W5), x + 20) + Pairs(High(t.W6), x + 24) + Pairs(High(t.W7), x + 28);
        return Widen(lo, 1) + Widen(hi, 16);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void DotHalves<TFormat>(in Tile512 t, sbyte* x, out Vector512<int> low, out Vector512<int> high) where TFormat : struct, IQuantFormat
    {
        low = Half<TFormat>(t.W0, t.W1, t.W2, t.W3, x);
        high = Half<TFormat>(t.W4, t.W5, t.W6, t.W7, x + 16);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector512<int> Half<TFormat>(Vector512<byte> w0, Vector512<byte> w1, Vector512<byte> w2, Vector512<byte> w3, sbyte* x)
        where TFormat : struct, IQuantFormat
    {
        if (TFormat.WeightBits <= 5) return Widen(Pairs(w0, x) + Pairs(w1, x + 4) + Pairs(w2, x + 8) + Pairs(w3, x + 12), 1);
        if (TFormat.WeightBits <= 6) return Widen(Pairs(w0, x) + Pairs(w1, x + 4), 1) + Widen(Pairs(w2, x + 8) + Pairs(w3, x + 12), 1);
        return Widen(Pairs(Low(w0), x) + Pairs(Low(w1), x + 4) + Pairs(Low(w2), x + 8) + Pairs(Low(w3), x + 12), 1)
            + Widen(Pairs(High(w0), x) + Pairs(High(w1), x + 4) + Pairs(High(w2), x + 8) + Pairs(High(w3), x + 12), 16);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector512<int> Widen(Vector512<short> sums, short weight) => Avx512BW.MultiplyAddAdjacent(sums, Vector512.Create(weight));

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector512<byte> Low(Vector512<byte> u) => u & Vector512.Create((byte)0x0F);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector512<short> Pairs(Vector512<byte> u, sbyte* x) =>
        Avx512BW.MultiplyAddAdjacent(u, Vector512.Create(*(int*)x).AsSByte());

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector512<byte> High(Vector512<byte> u) => Vector512.ShiftRightLogical(u.AsUInt16(), 4).AsByte() & Vector512.Create((byte)0x0F);
}
