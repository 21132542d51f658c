using System.CommandLine;
using GroveMoE.Cli.Commands;
using GroveMoE.Cpu.CommandLine;

var root = new RootCommand("grove: run GroveMoE language models on the CPU")
{
    ChatCommand.Create(),
    RunCommand.Create(),
    BenchCommand.Create(),
    LogitsCommand.Create(),
    TokenizeCommand.Create(),
    InfoCommand.Create(),
    PerplexityCommand.Create(),
    ServeCommand.Create(),
};
return CommandLineApp.Run(root, args);
