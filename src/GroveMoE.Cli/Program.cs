using System.CommandLine;
using GroveMoE.Cli.Commands;
using GroveMoE.Cpu.CommandLine;

var root = new RootCommand("grove: run GroveMoE language models on the CPU")
{
    LogitsCommand.Create(),
    InfoCommand.Create(),
    BenchCommand.Create(),
    RunCommand.Create(),
    ChatCommand.Create(),
    PerplexityCommand.Create(),
    ServeCommand.Create(),
};
return CommandLineApp.Run(root, args);
