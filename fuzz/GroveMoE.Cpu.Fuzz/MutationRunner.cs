using System.Diagnostics;

namespace GroveMoE.Cpu.Fuzz;

/// <summary>
/// Runs seeded mutants of every seed through a target and collects what must never happen: an exception outside the
/// documented set (a read outside the mapping surfaces as one, see <c>GgufFile</c>'s view check) or an allocation
/// over the bound. Findings are grouped by exception type and the frame that threw.
/// </summary>
public sealed class MutationRunner(FuzzTarget target, long allocationBound = 64L << 20, int allocationPerInputByte = 64)
{
    public sealed record Finding(string Signature, string Example, int Seed, long Index, int Count);

    public sealed record Report(string Target, long Executions, long Rejected, long Accepted, IReadOnlyList<Finding> Findings, TimeSpan Elapsed)
    {
        public override string ToString() =>
            $"{Target}: {Executions} executions ({Rejected} rejected with a documented error, {Accepted} accepted) in {Elapsed.TotalSeconds:F1} s, " +
            $"{Findings.Count} unique findings" + string.Concat(Findings.Select(f => $"\n  {f.Count} x {f.Signature}: {f.Example} (seed {f.Seed}, mutant {f.Index})"));
    }

    /// <summary>Runs mutants <paramref name="first"/> .. first + count - 1 of each seed in turn.</summary>
    public Report Run(long count, long first = 0, TimeSpan? budget = null)
    {
        var clock = Stopwatch.StartNew();
        var findings = new Dictionary<string, Finding>();
        long executions = 0, rejected = 0, accepted = 0;
        var seeds = target.Seeds;
        var prefixes = seeds.Select(target.InterestingPrefix).ToArray();
        WarmUp(seeds[0]);
        for (long i = first; i < first + count; i++)
        {
            if (budget is { } b && clock.Elapsed > b) break;
            int s = (int)(i % seeds.Count);
            var input = Mutator.Mutate(seeds[s], prefixes[s], target.IsJson, s, i);
            executions++;
            string? problem = null, signature = null;
            long before = GC.GetAllocatedBytesForCurrentThread();
            try
            {
                target.Run(input);
                accepted++;
            }
            catch (Exception e) when (target.IsDocumented(e))
            {
                rejected++;
            }
            catch (Exception e)
            {
                signature = $"{e.GetType().Name} at {TopFrame(e)}";
                problem = e.Message.ReplaceLineEndings(" ");
            }
            long allocated = GC.GetAllocatedBytesForCurrentThread() - before;
            long bound = allocationBound + allocationPerInputByte * (long)input.Length;
            if (problem is null && allocated > bound)
            {
                signature = "allocation over the bound";
                problem = $"{allocated >> 20} MiB for a {input.Length}-byte input (bound {bound >> 20} MiB)";
            }
            if (signature is not null)
            {
                findings[signature] = findings.TryGetValue(signature, out var f)
                    ? f with { Count = f.Count + 1 }
                    : new Finding(signature, problem!, s, i, 1);
            }
        }
        return new Report(target.Name, executions, rejected, accepted, [.. findings.Values], clock.Elapsed);
    }

    /// <summary>One unmeasured run, so that what a target builds once (the Qwen3 tokenizer) is not counted against a mutant.</summary>
    private void WarmUp(byte[] seed)
    {
        try
        {
            target.Run(seed);
        }
        catch (Exception e) when (target.IsDocumented(e))
        {
        }
    }

    private static string TopFrame(Exception e)
    {
        var frame = new StackTrace(e, false).GetFrames().FirstOrDefault(f => f.GetMethod()?.DeclaringType?.Namespace?.StartsWith("GroveMoE") == true)
            ?? new StackTrace(e, false).GetFrame(0);
        var method = frame?.GetMethod();
        return method is null ? "?" : $"{method.DeclaringType?.Name}.{method.Name}";
    }
}
