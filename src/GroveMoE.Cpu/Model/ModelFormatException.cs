namespace GroveMoE.Cpu.Model;

/// <summary>A GGUF file that parses but is not a usable GroveMoE model (wrong architecture, missing or misshapen tensors).</summary>
public sealed class ModelFormatException(string message) : Exception(message);
