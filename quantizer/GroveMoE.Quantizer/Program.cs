using System.CommandLine;
using GroveMoE.Cpu.CommandLine;

var root = new RootCommand("grove-quantize: Hugging Face GroveMoE checkpoints and GGUF files to GGUF");
return CommandLineApp.Run(root, args);
