using System.Text.RegularExpressions;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;

namespace GroveMoE.Cpu.Tests.AI;

/// <summary>
/// The README's "Embed the library" example, compiled as written the way a fresh <c>dotnet new console</c> app that
/// references GroveMoE.Cpu and Microsoft.Extensions.AI compiles it: top-level statements, the SDK's implicit usings,
/// nullable on. Roslyn in-process against the built assemblies, so it needs no network and takes about a second.
/// </summary>
public sealed partial class ReadmeExampleTests
{
    /// <summary>What <c>&lt;ImplicitUsings&gt;enable&lt;/ImplicitUsings&gt;</c> gives a console project.</summary>
    private const string ConsoleImplicitUsings = """
        global using System;
        global using System.Collections.Generic;
        global using System.IO;
        global using System.Linq;
        global using System.Net.Http;
        global using System.Threading;
        global using System.Threading.Tasks;
        """;

    [Fact]
    public void TheEmbeddingExampleCompilesInAFreshConsoleApp()
    {
        string example = EmbeddingExample();
        Assert.Contains("GroveChatClient", example);
        Assert.Contains("using Microsoft.Extensions.AI;", example);

        var parse = new CSharpParseOptions(LanguageVersion.Latest);
        var compilation = CSharpCompilation.Create("ReadmeExample",
            [CSharpSyntaxTree.ParseText(ConsoleImplicitUsings, parse), CSharpSyntaxTree.ParseText(example, parse)],
            AppReferences(),
            new CSharpCompilationOptions(OutputKind.ConsoleApplication, nullableContextOptions: NullableContextOptions.Enable));

        var errors = compilation.GetDiagnostics().Where(d => d.Severity == DiagnosticSeverity.Error).Select(d => d.ToString()).ToList();
        Assert.True(errors.Count == 0, "the README example does not compile:\n" + string.Join('\n', errors) + "\n\n" + example);
    }

    /// <summary>The first C# block under the README's "Embed the library" heading.</summary>
    private static string EmbeddingExample()
    {
        string readme = File.ReadAllText(Path.Combine(RepositoryRoot(), "README.md"));
        int section = readme.IndexOf("## Embed the library", StringComparison.Ordinal);
        Assert.True(section >= 0, "README.md has no 'Embed the library' section");
        var block = CSharpBlock().Match(readme, section);
        Assert.True(block.Success, "the 'Embed the library' section has no ```csharp block");
        return block.Groups[1].Value;
    }

    /// <summary>The framework, GroveMoE.Cpu and the packages an app gets with it and with Microsoft.Extensions.AI;
    /// none of the repository's other assemblies (the CLI, conversion tooling, tests).</summary>
    private static List<MetadataReference> AppReferences()
    {
        string framework = Path.GetDirectoryName(typeof(object).Assembly.Location)!;
        var paths = ((string)AppContext.GetData("TRUSTED_PLATFORM_ASSEMBLIES")!).Split(Path.PathSeparator)
            .Where(p => Path.GetDirectoryName(p) == framework).ToList();
        foreach (string dll in Directory.GetFiles(AppContext.BaseDirectory, "*.dll"))
        {
            string name = Path.GetFileName(dll);
            if (name == "GroveMoE.Cpu.dll" || name.StartsWith("Microsoft.Extensions.", StringComparison.Ordinal)
                || name.StartsWith("Microsoft.ML.Tokenizers", StringComparison.Ordinal)
                || name.StartsWith("CommunityToolkit.", StringComparison.Ordinal)
                || (name.StartsWith("System.", StringComparison.Ordinal) && !File.Exists(Path.Combine(framework, name))))
            {
                paths.Add(dll);
            }
        }
        Assert.Contains(paths, p => p.EndsWith("Microsoft.Extensions.AI.dll", StringComparison.Ordinal));
        return [.. paths.Select(p => MetadataReference.CreateFromFile(p))];
    }

    private static string RepositoryRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "GroveMoE.Cpu.sln"))) return dir.FullName;
        }
        throw new InvalidOperationException("the repository root (GroveMoE.Cpu.sln) is not above the test binaries");
    }

    [GeneratedRegex(@"```csharp\n(.*?)```", RegexOptions.Singleline)]
    private static partial Regex CSharpBlock();
}
