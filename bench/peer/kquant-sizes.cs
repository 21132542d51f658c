#:project ../../quantizer/GroveMoE.Quantizer/GroveMoE.Quantizer.csproj
// File sizes of grove-quantize's (= llama-quantize's) types for GroveMoE-Inst, computed from its tensor shapes:
// the README's "which file to download" table.
// usage: dotnet run bench/peer/kquant-sizes.cs
using GroveMoE.Cpu.Model;
using GroveMoE.Cpu.Conversion.Synthetic;
using GroveMoE.Cpu.Quantization;
using GroveMoE.Quantizer.Conversion;

var c = SyntheticPresets.Real(48);
var tensors = SyntheticModelWriter.Layout(new SyntheticModelOptions(c, GgmlType.F32)).Select(t => (GgufName: t.Name, GgufDimensions: t.Dimensions)).ToList();
long parameters = tensors.Sum(t => t.GgufDimensions.Aggregate(1L, (a, b) => a * b));
Console.WriteLine($"GroveMoE-Inst: {tensors.Count} tensors, {parameters / 1e9:F2} B parameters");
Console.WriteLine("| type | size | bits/weight | tensor types |");
Console.WriteLine("|---|---|---|---|");
foreach (string name in new[] { "q2_k", "q3_k_m", "iq4_xs", "q4_k_s", "q4_k_m", "q5_k_s", "q5_k_m", "q6_k", "q8_0", "mixed", "q4_0", "bf16" })
{
    var recipe = QuantizationRecipe.Parse(name);
    var typed = tensors.Select(t => (Type: recipe.Choose(t.GgufName, t.GgufDimensions, c, false), t.GgufDimensions)).ToList();
    long bytes = typed.Sum(t => GgmlTypeInfo.RowBytes(t.Type, t.GgufDimensions[0]) * (t.GgufDimensions.Aggregate(1L, (a, b) => a * b) / t.GgufDimensions[0]));
    var mix = typed.Where(t => t.Type != GgmlType.F32).GroupBy(t => t.Type)
        .OrderByDescending(g => g.Sum(t => t.GgufDimensions.Aggregate(1L, (a, b) => a * b)))
        .Select(g => $"{g.Key} {100.0 * g.Sum(t => t.GgufDimensions.Aggregate(1L, (a, b) => a * b)) / parameters:F1}%");
    Console.WriteLine($"| {name} | {bytes / 1e9:F1} GB | {8.0 * bytes / parameters:F2} | {string.Join(", ", mix)} |");
}
