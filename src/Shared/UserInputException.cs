namespace GroveMoE.Cpu.CommandLine;

/// <summary>A command-line argument that parses but cannot be used (a token list with a non-number, say).</summary>
internal sealed class UserInputException(string message) : Exception(message);
