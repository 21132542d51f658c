using GroveMoE.Cpu.Generation;
using GroveMoE.Cpu.Tests.Generation;

namespace GroveMoE.Cpu.Tests;

/// <summary>The tiny random GroveMoE with the real Qwen3 tokenizer, loaded through the app-facing <see cref="LanguageModel"/>.</summary>
public sealed class TinyLanguageModelFixture : IDisposable
{
    private readonly TinyChatModelFixture _file = new();

    public TinyLanguageModelFixture()
    {
        Model = LanguageModel.Load(_file.Path, new LoadOptions { Name = "tiny", Session = Session });
    }

    public static SessionOptions Session { get; } = new() { ContextLength = 4096, Threads = 1 };

    public LanguageModel Model { get; }

    /// <summary>The independent reference: a fresh session generating from the rendered prompt.</summary>
    public (string Text, GenerationStats Stats) Generate(int[] prompt, GenerationOptions options)
    {
        using var session = Model.OpenSession();
        return session.GenerateAsync(prompt, options).CollectAsync().GetAwaiter().GetResult();
    }

    public void Dispose()
    {
        Model.Dispose();
        _file.Dispose();
    }
}
