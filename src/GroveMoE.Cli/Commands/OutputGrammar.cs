using GroveMoE.Cpu.CommandLine;
using GroveMoE.Cpu.Grammar;

namespace GroveMoE.Cli.Commands;

/// <summary>The grammar <c>--json-schema FILE</c> or <c>--json</c> asks for, with file and schema errors as user errors.</summary>
internal static class OutputGrammar
{
    public static CompiledGrammar? Read(FileInfo? schemaFile, bool anyJson)
    {
        if (schemaFile is not null && anyJson) throw new UserInputException("--json-schema and --json cannot both be given");
        if (anyJson) return CompiledGrammar.AnyJsonObject;
        if (schemaFile is null) return null;
        string text;
        try
        {
            text = File.ReadAllText(schemaFile.FullName);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new UserInputException($"cannot read the JSON schema '{schemaFile.FullName}': {e.Message}");
        }
        try
        {
            return CompiledGrammar.FromJsonSchema(text);
        }
        catch (JsonSchemaException e)
        {
            throw new UserInputException($"JSON schema '{schemaFile.Name}': {e.Message}");
        }
    }
}
