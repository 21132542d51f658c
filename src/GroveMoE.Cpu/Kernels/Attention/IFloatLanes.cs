using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using GroveMoE.Cpu.Kernels.Formats;

namespace GroveMoE.Cpu.Kernels.Attention;

/// <summary>
/// The float operations the attention kernel needs, once per vector width (as TensorPrimitives' operator structs),
/// so <see cref="AttentionKernel"/> is written once and the JIT specialises it per width. The scalar lanes are the
/// same kernel with one lane: the path machines without AVX2 take. No static fields: their class-initialisation
/// check is a call, and the JIT then keeps the kernel's accumulators in memory across it.
/// </summary>
internal unsafe interface IFloatLanes<TVector> where TVector : struct
{
    static abstract int Count { get; }
    static abstract TVector Zero { get; }
    static abstract TVector Load(float* source);
    static abstract void Store(TVector value, float* destination);
    static abstract TVector Broadcast(float value);
    static abstract TVector MultiplyAdd(TVector a, TVector b, TVector addend);
    static abstract TVector Add(TVector a, TVector b);
    static abstract TVector Multiply(TVector a, TVector b);
    static abstract TVector Max(TVector a, TVector b);
    static abstract TVector Round(TVector value);

    /// <summary>value · 2^n for whole numbers n in [−126, 127].</summary>
    static abstract TVector ScaleByPowerOfTwo(TVector value, TVector n);
    static abstract float MaxAcross(TVector value);
    static abstract float SumAcross(TVector value);

    /// <summary>Keeps the first <paramref name="lanes"/> lanes and sets the others to −∞.</summary>
    static abstract TVector KeepFirst(TVector value, int lanes);

    /// <summary>Count halves (IEEE binary16 bits) widened to floats.</summary>
    static abstract TVector LoadHalves(ushort* source);
}

internal unsafe struct Lanes512 : IFloatLanes<Vector512<float>>
{
    public static int Count => Vector512<float>.Count;
    public static Vector512<float> Zero => Vector512<float>.Zero;
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vector512<float> Load(float* source) => Vector512.Load(source);
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static void Store(Vector512<float> value, float* destination) => value.Store(destination);
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vector512<float> Broadcast(float value) => Vector512.Create(value);
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vector512<float> MultiplyAdd(Vector512<float> a, Vector512<float> b, Vector512<float> addend) => Vector512.FusedMultiplyAdd(a, b, addend);
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vector512<float> Add(Vector512<float> a, Vector512<float> b) => a + b;
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vector512<float> Multiply(Vector512<float> a, Vector512<float> b) => a * b;
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vector512<float> Max(Vector512<float> a, Vector512<float> b) => Vector512.MaxNative(a, b);
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vector512<float> Round(Vector512<float> value) => Vector512.Round(value);
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vector512<float> ScaleByPowerOfTwo(Vector512<float> value, Vector512<float> n) =>
        value * Vector512.ShiftLeft(Vector512.ConvertToInt32(n) + Vector512.Create(127), 23).AsSingle();
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static float MaxAcross(Vector512<float> value) => Lanes256.MaxAcross(Vector256.MaxNative(value.GetLower(), value.GetUpper()));
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static float SumAcross(Vector512<float> value) => Vector512.Sum(value);
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vector512<float> KeepFirst(Vector512<float> value, int lanes) =>
        Vector512.ConditionalSelect(Vector512.LessThan(Vector512<int>.Indices, Vector512.Create(lanes)).AsSingle(), value, Vector512.Create(float.NegativeInfinity));
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vector512<float> LoadHalves(ushort* source) => HalfVector.Widen512((byte*)source);
}

internal unsafe struct Lanes256 : IFloatLanes<Vector256<float>>
{
    public static int Count => Vector256<float>.Count;
    public static Vector256<float> Zero => Vector256<float>.Zero;
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vector256<float> Load(float* source) => Vector256.Load(source);
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static void Store(Vector256<float> value, float* destination) => value.Store(destination);
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vector256<float> Broadcast(float value) => Vector256.Create(value);
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vector256<float> MultiplyAdd(Vector256<float> a, Vector256<float> b, Vector256<float> addend) => Vector256.FusedMultiplyAdd(a, b, addend);
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vector256<float> Add(Vector256<float> a, Vector256<float> b) => a + b;
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vector256<float> Multiply(Vector256<float> a, Vector256<float> b) => a * b;
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vector256<float> Max(Vector256<float> a, Vector256<float> b) => Vector256.MaxNative(a, b);
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vector256<float> Round(Vector256<float> value) => Vector256.Round(value);
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vector256<float> ScaleByPowerOfTwo(Vector256<float> value, Vector256<float> n) =>
        value * Vector256.ShiftLeft(Vector256.ConvertToInt32(n) + Vector256.Create(127), 23).AsSingle();
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static float MaxAcross(Vector256<float> value)
    {
        var four = Vector128.MaxNative(value.GetLower(), value.GetUpper());
        var two = Vector128.MaxNative(four, Vector128.Shuffle(four, Vector128.Create(2, 3, 0, 1)));
        return MathF.Max(two.ToScalar(), two.GetElement(1));
    }
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static float SumAcross(Vector256<float> value) => Vector256.Sum(value);
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vector256<float> KeepFirst(Vector256<float> value, int lanes) =>
        Vector256.ConditionalSelect(Vector256.LessThan(Vector256<int>.Indices, Vector256.Create(lanes)).AsSingle(), value, Vector256.Create(float.NegativeInfinity));
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vector256<float> LoadHalves(ushort* source) => HalfVector.Widen256((byte*)source);
}

internal unsafe struct Lanes1 : IFloatLanes<float>
{
    public static int Count => 1;
    public static float Zero => 0f;
    public static float Load(float* source) => *source;
    public static void Store(float value, float* destination) => *destination = value;
    public static float Broadcast(float value) => value;
    public static float MultiplyAdd(float a, float b, float addend) => MathF.FusedMultiplyAdd(a, b, addend);
    public static float Add(float a, float b) => a + b;
    public static float Multiply(float a, float b) => a * b;
    public static float Max(float a, float b) => MathF.Max(a, b);
    public static float Round(float value) => MathF.Round(value);
    public static float ScaleByPowerOfTwo(float value, float n) => MathF.ScaleB(value, (int)n);
    public static float MaxAcross(float value) => value;
    public static float SumAcross(float value) => value;
    public static float KeepFirst(float value, int lanes) => lanes > 0 ? value : float.NegativeInfinity;
    public static float LoadHalves(ushort* source) => (float)BitConverter.UInt16BitsToHalf(*source);
}
