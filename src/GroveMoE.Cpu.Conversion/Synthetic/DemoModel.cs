using GroveMoE.Cpu.Conversion.Tokenization;
using GroveMoE.Cpu.Quantization;

namespace GroveMoE.Cpu.Conversion.Synthetic;

/// <summary>
/// The built-in demo: a small GroveMoE with random weights and the real Qwen3 tokenizer, built once and cached, so
/// the runtime can be tried before any real model is downloaded. Its text is meaningless by construction.
/// </summary>
public static class DemoModel
{
    private const string FileName = "grovemoe-demo-small-q8_0-v2.gguf";

    /// <summary>Where the demo model is cached: <c>$GROVE_CACHE</c>, else the user's cache folder.</summary>
    public static string CachePath
    {
        get
        {
            string? root = Environment.GetEnvironmentVariable("GROVE_CACHE");
            if (string.IsNullOrEmpty(root))
            {
                string? xdg = Environment.GetEnvironmentVariable("XDG_CACHE_HOME");
                root = !string.IsNullOrEmpty(xdg) ? Path.Combine(xdg, "grovemoe")
                    : OperatingSystem.IsWindows()
                        ? Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.LocalApplicationData), "grovemoe")
                        : Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".cache", "grovemoe");
            }
            return Path.Combine(root, FileName);
        }
    }

    /// <summary>The demo model: the small preset with the real Qwen3 tokenizer, Q8_0, a fixed seed.</summary>
    public static SyntheticModelOptions Options => new(SyntheticPresets.Small(SyntheticPresets.QwenVocab), GgmlType.Q8_0, Seed: 2508)
    {
        ExtraMetadata = BuiltInTokenizer.Qwen3Metadata(SyntheticPresets.QwenVocab),
    };

    /// <summary>Bytes of tensor data the demo model holds.</summary>
    public static long TensorBytes => SyntheticModelWriter.Layout(Options)
        .Sum(t => GgmlTypeInfo.RowBytes(t.Type, t.Dimensions[0]) * t.Dimensions.Skip(1).Aggregate(1L, (a, b) => a * b));

    /// <summary>Whether the demo model is already cached at <see cref="CachePath"/>.</summary>
    public static bool IsBuilt => File.Exists(CachePath);

    /// <summary>
    /// Returns the cached demo model's path, building it first if needed. The file is written under a temporary
    /// name and renamed when complete, so an interrupted build never leaves a broken model behind.
    /// </summary>
    /// <param name="bytesWritten">Receives the tensor bytes written so far, out of <see cref="TensorBytes"/>.</param>
    public static string EnsureBuilt(IProgress<long>? bytesWritten = null)
    {
        string path = CachePath;
        if (File.Exists(path)) return path;
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        string temporary = $"{path}.{Environment.ProcessId}.partial";
        try
        {
            SyntheticModelWriter.Write(temporary, Options, bytesWritten);
            File.Move(temporary, path, overwrite: true);
        }
        finally
        {
            if (File.Exists(temporary)) File.Delete(temporary);
        }
        return path;
    }

    /// <summary>
    /// Loads the demo model, building and caching it on first use. It shows the runtime working; its text is noise.
    /// </summary>
    /// <param name="options">As for <see cref="LanguageModel.Load"/>; the name defaults to <c>grovemoe-demo</c>.</param>
    /// <param name="bytesWritten">Progress of the one-time build, in tensor bytes out of <see cref="TensorBytes"/>.</param>
    public static LanguageModel Load(LoadOptions? options = null, IProgress<long>? bytesWritten = null)
    {
        options ??= new LoadOptions();
        return LanguageModel.Load(EnsureBuilt(bytesWritten), options with { Name = options.Name ?? "grovemoe-demo" });
    }
}
