using BenchmarkDotNet.Running;
using GroveMoE.Cpu.Bench;

if (args.Length > 0 && args[0] == "probe") KernelProbe.Run(args);
else if (args.Length > 0 && args[0] == "stream") StreamProbe.Run(args);
else if (args.Length > 0 && args[0] == "kv") KvCacheProbe.Run(args);
else if (args.Length > 0 && args[0] == "attention") AttentionProbe.Run(args);
else if (args.Length > 0 && args[0] == "probe-batch") BatchProbe.Run(args);
else if (args.Length > 0 && args[0] == "probe-prompt") PromptProbe.Run(args);
else if (args.Length > 0 && args[0] == "grammar") GrammarProbe.Run(args);
else BenchmarkSwitcher.FromAssembly(typeof(Program).Assembly).Run(args);
