using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;
using GroveMoE.Cpu.Quantization;

namespace GroveMoE.Cpu.Kernels;

/// <summary>
/// IQ4_NL and IQ4_XS weight rows · Q8 activation rows. Their 4-bit indices pick int8 values from one 16-entry grid,
/// which a byte shuffle looks up 32 at a time; the grid values are signed, so their signs move onto the activations.
/// IQ4_NL has an f16 scale per block of 32; IQ4_XS a 6-bit scale per 32 under an f16 per 256.
/// </summary>
internal static unsafe class NonLinearDot
{
    public const int NlBytes = 18, XsBytes = 136;

    private static readonly Vector256<sbyte> Grid = Vector256.Create(Vector128.Create(Quantization.IQ4_NL.Grid));

    public static float IQ4_NLScalar(byte* w, Q8Row x, int blocks)
    {
        float* halves = HalfTable.Values;
        var grid = Quantization.IQ4_NL.Grid;
        float total = 0;
        for (int b = 0; b < blocks; b++)
        {
            byte* block = w + (long)b * NlBytes;
            total += HalfTable.Read(halves, block) * x.Scales[b] * Dot32(grid, block + 2, x.Quants + 32 * b);
        }
        return total;
    }

    public static float IQ4_XSScalar(byte* w, Q8Row x, int superBlocks)
    {
        float* halves = HalfTable.Values;
        var grid = Quantization.IQ4_NL.Grid;
        float total = 0;
        for (int s = 0; s < superBlocks; s++)
        {
            byte* block = w + (long)s * XsBytes;
            float d = HalfTable.Read(halves, block);
            for (int j = 0; j < 8; j++)
            {
                int b = 8 * s + j;
                total += d * SubScale(block, j) * x.Scales[b] * Dot32(grid, block + 8 + 16 * j, x.Quants + 32 * b);
            }
        }
        return total;
    }

    /// <summary>Σ grid[index]·x over 32 values whose indices are the low nibbles (values 0–15) and high nibbles (16–31) of 16 bytes.</summary>
    private static int Dot32(ReadOnlySpan<sbyte> grid, byte* q, sbyte* qx)
    {
        int sum = 0;
        for (int l = 0; l < 16; l++) sum += grid[q[l] & 0x0F] * qx[l] + grid[q[l] >> 4] * qx[l + 16];
        return sum;
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static int SubScale(byte* block, int j) =>
        (((block[4 + j / 2] >> (4 * (j % 2))) & 0x0F) | (((*(ushort*)(block + 2) >> (2 * j)) & 3) << 4)) - 32;

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static float IQ4_NL<TDot>(byte* w, Q8Row x, int blocks) where TDot : IByteDot256
    {
        float* halves = HalfTable.Values;
        var grid = Grid;
        var acc = Vector256<float>.Zero;
        for (int b = 0; b < blocks; b++)
        {
            byte* block = w + (long)b * NlBytes;
            var dot = Dot32<TDot>(grid, block + 2, x.Quants + 32 * b);
            acc = Vector256.FusedMultiplyAdd(Vector256.Create(HalfTable.Read(halves, block) * x.Scales[b]), Vector256.ConvertToSingle(dot), acc);
        }
        return Vector256.Sum(acc);
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static float IQ4_XS<TDot>(byte* w, Q8Row x, int superBlocks) where TDot : IByteDot256
    {
        float* halves = HalfTable.Values;
        var grid = Grid;
        Vector256<float> acc0 = default, acc1 = default;
        for (int s = 0; s < superBlocks; s++)
        {
            byte* block = w + (long)s * XsBytes;
            float d = HalfTable.Read(halves, block);
            for (int j = 0; j < 8; j += 2)
            {
                int b = 8 * s + j;
                var dot0 = Dot32<TDot>(grid, block + 8 + 16 * j, x.Quants + 32 * b);
                var dot1 = Dot32<TDot>(grid, block + 24 + 16 * j, x.Quants + 32 * b + 32);
                acc0 = Vector256.FusedMultiplyAdd(Vector256.Create(d * SubScale(block, j) * x.Scales[b]), Vector256.ConvertToSingle(dot0), acc0);
                acc1 = Vector256.FusedMultiplyAdd(Vector256.Create(d * SubScale(block, j + 1) * x.Scales[b + 1]), Vector256.ConvertToSingle(dot1), acc1);
            }
        }
        return Vector256.Sum(acc0 + acc1);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector256<int> Dot32<TDot>(Vector256<sbyte> grid, byte* q, sbyte* qx) where TDot : IByteDot256
    {
        var packed = Vector128.Load(q);
        var nibble = Vector128.Create((byte)0x0F);
        var indices = Vector256.Create(packed & nibble, Vector128.ShiftRightLogical(packed.AsUInt16(), 4).AsByte() & nibble);
        var weights = Avx2.Shuffle(grid, indices.AsSByte());
        return TDot.Dot(Avx2.Abs(weights), Avx2.Sign(Vector256.Load(qx), weights));
    }
}
