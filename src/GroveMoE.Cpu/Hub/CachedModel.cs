namespace GroveMoE.Cpu.Hub;

/// <summary>A model in the Hub cache: which repository, which quantization, how big, and the path to open.</summary>
/// <param name="Path">The snapshot path of the model's (first) GGUF file, what <see cref="LanguageModel.Load"/> takes.</param>
/// <param name="Files">Every file of the model (the parts of a split model), as snapshot paths.</param>
public sealed record CachedModel(string RepoId, string Quant, long Size, string Path, IReadOnlyList<string> Files);
