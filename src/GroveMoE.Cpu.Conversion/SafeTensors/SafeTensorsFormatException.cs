namespace GroveMoE.Cpu.Conversion.SafeTensors;

/// <summary>A safetensors file or checkpoint index that is truncated, inconsistent or not safetensors at all.</summary>
public sealed class SafeTensorsFormatException(string message) : Exception(message);
