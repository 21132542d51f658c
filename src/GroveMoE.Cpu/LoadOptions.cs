using GroveMoE.Cpu.Generation;

namespace GroveMoE.Cpu;

/// <summary>How <see cref="LanguageModel.Load"/> opens a model and what its sessions get by default.</summary>
public sealed record LoadOptions
{
    /// <summary>The name the model goes by in responses and servers; default: the file's <c>general.name</c>,
    /// else its file name without extension.</summary>
    public string? Name { get; init; }

    /// <summary>What <see cref="LanguageModel.OpenSession"/> and <see cref="LanguageModel.OpenChat"/> reserve when
    /// they are given no options of their own.</summary>
    public SessionOptions Session { get; init; } = new();

    /// <summary>Re-lay Q4_0/Q8_0 weights out at load into the tiled layout the fast kernels read (a private copy, with
    /// the file's pages released tensor by tensor); false reads every weight zero-copy from the mapped file.</summary>
    public bool Repack { get; init; } = true;
}
