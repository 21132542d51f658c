using GroveMoE.Cpu.Fuzz;

// grove-fuzz mutate [TARGET|all] [--count N] [--first K] [--seconds S]   seeded mutants in-process (what CI runs, longer)
// grove-fuzz seeds DIR                                                     write every target's seeds for afl-fuzz -i
// grove-fuzz afl TARGET                                                    one AFL/SharpFuzz worker (under afl-fuzz)
// grove-fuzz run TARGET FILE                                               one input, e.g. to reproduce a finding
// tmpfs where there is one: every execution writes its input to a file so the readers map it as they would a model.
string scratch = Path.Combine(Directory.Exists("/dev/shm") ? "/dev/shm" : Path.GetTempPath(), $"grove-fuzz-{Environment.ProcessId}");
Directory.CreateDirectory(scratch);
try
{
    var targets = FuzzTarget.All(scratch);
    string command = args.ElementAtOrDefault(0) ?? "mutate";
    string which = args.ElementAtOrDefault(1) ?? "all";
    IEnumerable<FuzzTarget> Selected() => which == "all" ? targets : [targets.Single(t => t.Name == which)];
    long Option(string name, long fallback) => Array.IndexOf(args, name) is >= 0 and var i ? long.Parse(args[i + 1]) : fallback;

    switch (command)
    {
        case "mutate":
            int failures = 0;
            foreach (var target in Selected())
            {
                var report = new MutationRunner(target).Run(Option("--count", 10_000), Option("--first", 0),
                    Option("--seconds", 0) is > 0 and var s ? TimeSpan.FromSeconds(s) : null);
                Console.WriteLine(report);
                failures += report.Findings.Count;
            }
            return failures == 0 ? 0 : 1;
        case "seeds":
            foreach (var target in targets)
            {
                string dir = Path.Combine(args[1], target.Name);
                Directory.CreateDirectory(dir);
                for (int i = 0; i < target.Seeds.Count; i++) File.WriteAllBytes(Path.Combine(dir, $"seed-{i}"), target.Seeds[i]);
            }
            return 0;
        case "afl":
        {
            var target = Selected().Single();
            _ = target.Seeds; // built before the fork server starts, not once per input
            SharpFuzz.Fuzzer.OutOfProcess.Run(stream =>
            {
                using var memory = new MemoryStream();
                stream.CopyTo(memory);
                try
                {
                    target.Run(memory.ToArray());
                }
                catch (Exception e) when (target.IsDocumented(e))
                {
                }
            });
            return 0;
        }
        case "run":
        {
            var target = Selected().Single();
            try
            {
                target.Run(File.ReadAllBytes(args[2]));
                Console.WriteLine("accepted");
            }
            catch (Exception e) when (target.IsDocumented(e))
            {
                Console.WriteLine($"rejected: {e.GetType().Name}: {e.Message}");
            }
            return 0;
        }
        default:
            Console.Error.WriteLine($"error: unknown command '{command}' (mutate, seeds, afl, run)");
            return 1;
    }
}
finally
{
    Directory.Delete(scratch, recursive: true);
}
