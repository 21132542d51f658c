// Chats with a GroveMoE model through the library alone: `dotnet run --project src/GroveMoE.Cpu.Sample [model.gguf]`.
// With no model it uses the built-in demo model, whose random weights make its answers noise.
using GroveMoE.Cpu;
using GroveMoE.Cpu.Conversion.Synthetic;
using GroveMoE.Cpu.Generation;

using var model = args.Length > 0 ? LanguageModel.Load(args[0]) : DemoModel.Load();
using var chat = model.OpenChat(new ChatSessionOptions { SystemPrompt = "You are a helpful assistant.", Thinking = false });
var generation = new GenerationOptions { MaxTokens = 64, Sampler = new SamplerOptions { Temperature = 0.7f, Seed = 1 } };

foreach (var question in new[] { "What is a mixture-of-experts model?", "Summarise that in one sentence." })
{
    Console.WriteLine($"> {question}");
    GenerationStats? stats = null;
    await foreach (var update in chat.SendAsync(question, generation))
    {
        if (update.Stats is { } final) stats = final;
        else Console.Write(update.Text);
    }
    Console.WriteLine($"\n[{stats!.GeneratedTokens} tokens, {stats.GenerationTokensPerSecond:F1} tok/s, {stats.ReusedTokens} prompt tokens reused]\n");
}
