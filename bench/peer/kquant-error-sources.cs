#:project ../../tests/GroveMoE.Cpu.Tests/GroveMoE.Cpu.Tests.csproj
// Where an engine's logits error on a quantized file comes from: the float64 reference forward pass (the authors'
// semantics on the file's weights) run again with the matmul inputs rounded as each engine's kernels round them —
// grove's Q8 blocks of 32 with an f32 scale for every block format, llama.cpp's Q8_K blocks of 256 for K-quants and
// IQ4_XS and Q8_0 blocks of 32 with an f16 scale for the 32-blocks (F16 weights: activations to f16) — for all weight
// types at once and for one type at a time, each against the unrounded reference.
// usage: dotnet run bench/peer/kquant-error-sources.cs -- MODEL.gguf LISTS [SEED]
//   LISTS: how many random 16-token lists (seeded), or token lists as "1,2,3;4,5,6"
// prints per variant: max|Δ|/max|ref| and rms(Δ)/rms(ref) over all lists (range over lists), the (position,
// layer) pairs whose chosen experts differ from the reference's, and max|Δ|/max|ref| over the positions where no
// layer chose other experts (a near-tie in the router flips a choice and moves that position's logits far more
// than the rounding does anywhere else).
using GroveMoE.Cpu.Quantization;
using GroveMoE.Cpu.Tests.Reference;

if (args.Length is < 2 or > 3)
{
    Console.Error.WriteLine("usage: kquant-error-sources.cs MODEL.gguf LISTS [SEED]");
    return 1;
}
var model = ReferenceModel.Load(args[0]);
var lists = int.TryParse(args[1], out int count)
    ? RandomLists(count, model.Vocab, args.Length == 3 ? int.Parse(args[2]) : 1)
    : args[1].Split(';').Select(l => l.Split(',').Select(int.Parse).ToArray()).ToArray();

var types = Matrices(model).Select(m => m.Type).Where(t => t != GgmlType.F32).Distinct().Order().ToArray();
var variants = new List<(string Name, Func<GgmlType, double[], double[]> Round)>
{
    ("grove, all types", (t, x) => Grove(t, x)),
    ("llama.cpp, all types", (t, x) => Llama(t, x)),
};
foreach (var type in types)
{
    variants.Add(($"grove, {type} only", (t, x) => t == type ? Grove(t, x) : x));
    variants.Add(($"llama.cpp, {type} only", (t, x) => t == type ? Llama(t, x) : x));
}

var faithful = lists.Select(l => ReferenceForward.Run(model, l)).ToArray();
Console.WriteLine($"{Path.GetFileName(args[0])}: {lists.Length} lists of {lists[0].Length} tokens; weight types {string.Join(' ', types)}");
Console.WriteLine($"{"variant",-26} {"max rel (range)",-24} {"rms rel (range)",-24} {"routing diffs",13} {"max rel, same routing",21}");
foreach (var (name, round) in variants)
{
    var variant = new ReferenceVariant { ActivationRounding = round };
    var maxRel = new List<double>();
    var rmsRel = new List<double>();
    long diffs = 0, pairs = 0;
    double allMax = 0, allRef = 0, sumSq = 0, refSq = 0, sameRoutingMax = 0;
    for (int i = 0; i < lists.Length; i++)
    {
        var result = ReferenceForward.Run(model, lists[i], variant);
        double md = 0, mr = 0, sd = 0, sr = 0;
        for (int p = 0; p < result.Logits.Length; p++)
        {
            bool sameRouting = true;
            for (int l = 0; l < result.Selected[p].Length; l++)
            {
                pairs++;
                if (result.Selected[p][l].Order().SequenceEqual(faithful[i].Selected[p][l].Order())) continue;
                diffs++;
                sameRouting = false;
            }
            for (int v = 0; v < result.Logits[p].Length; v++)
            {
                double r = faithful[i].Logits[p][v], d = result.Logits[p][v] - r;
                md = Math.Max(md, Math.Abs(d));
                mr = Math.Max(mr, Math.Abs(r));
                if (sameRouting) sameRoutingMax = Math.Max(sameRoutingMax, Math.Abs(d));
                sd += d * d;
                sr += r * r;
            }
        }
        maxRel.Add(md / mr);
        rmsRel.Add(Math.Sqrt(sd / sr));
        allMax = Math.Max(allMax, md);
        allRef = Math.Max(allRef, mr);
        sumSq += sd;
        refSq += sr;
    }
    Console.WriteLine($"{name,-26} {Cell(allMax / allRef, maxRel),-24} {Cell(Math.Sqrt(sumSq / refSq), rmsRel),-24} {diffs,6}/{pairs} {sameRoutingMax / allRef,21:0.00e+0}");
}
return 0;

static string Cell(double all, List<double> perList) => $"{all:0.00e+0} ({perList.Min():0.00e+0}–{perList.Max():0.00e+0})";

static double[] Grove(GgmlType type, double[] x) => type is GgmlType.F32 or GgmlType.F16 or GgmlType.BF16 ? x : ReferenceActivationRounding.RoundToQ8(x);

static double[] Llama(GgmlType type, double[] x) => type switch
{
    GgmlType.F32 => x,
    GgmlType.F16 => x.Select(v => (double)(Half)v).ToArray(),
    GgmlType.Q2_K or GgmlType.Q3_K or GgmlType.Q4_K or GgmlType.Q5_K or GgmlType.Q6_K or GgmlType.IQ4_XS => ReferenceActivationRounding.RoundToQ8K(x),
    _ => ReferenceActivationRounding.RoundToQ8_0(x),
};

static IEnumerable<ReferenceMatrix> Matrices(ReferenceModel m) => m.Blocks.SelectMany(b =>
    new[] { b.Q, b.K, b.V, b.O, b.Router }.Concat(b.Gate).Concat(b.Up).Concat(b.Down).Concat(b.AdjGate).Concat(b.AdjUp).Concat(b.AdjDown))
    .Append(m.Output);

static int[][] RandomLists(int count, int vocab, int seed)
{
    var random = new Random(seed);
    return Enumerable.Range(0, count).Select(_ => Enumerable.Range(0, 16).Select(_ => random.Next(vocab)).ToArray()).ToArray();
}
