using System.CommandLine;
using GroveMoE.Cpu.CommandLine;
using GroveMoE.Quantizer.Commands;

namespace GroveMoE.Quantizer;

/// <summary>The <c>grove-quantize</c> command line, callable in-process by tests.</summary>
public static class QuantizerApp
{
    public static RootCommand CreateRoot()
    {
        var root = new RootCommand(
            "grove-quantize: Hugging Face GroveMoE checkpoints and GGUF files to GGUF (llama.cpp's layout)\n" +
            "  grove-quantize --input HF_DIR|IN.gguf --output OUT.gguf --type q4_0|q8_0|f16|bf16|f32|mixed [--threads N] [--force]\n" +
            "  grove-quantize synth --preset tiny|small|wide4|wide8|full --type ... [--output OUT.gguf] [--hf-dir DIR] [--seed N]")
        {
            SynthCommand.Create(),
        };
        QuantizeCommand.AddTo(root);
        return root;
    }

    public static int Run(string[] args) => CommandLineApp.Run(CreateRoot(), args);

    public static Task<int> RunAsync(string[] args) => CommandLineApp.RunAsync(CreateRoot(), args);
}
