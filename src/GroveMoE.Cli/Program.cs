using System.CommandLine;
using GroveMoE.Cli.Commands;
using GroveMoE.Cli.Hub;
using GroveMoE.Cli.Output;
using GroveMoE.Cli.Serving;
using GroveMoE.Cpu.CommandLine;

PipeWidth.Apply(Spectre.Console.AnsiConsole.Console, Console.IsOutputRedirected);
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
    HubCommands.Pull(),
    HubCommands.List(),
    HubCommands.Remove(),
    ShowCommand.Create(),
};
return await CommandLineApp.RunAsync(root, args, e => e is ServeOptionsException ? e.Message : null);
