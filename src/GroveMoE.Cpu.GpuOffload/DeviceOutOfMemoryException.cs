namespace GroveMoE.Cpu.GpuOffload;

/// <summary>The device (or the memory budget given for it) has no room for the next allocation.</summary>
/// <param name="message">What did not fit.</param>
/// <param name="inner">ILGPU's own exception, if it raised one.</param>
public sealed class DeviceOutOfMemoryException(string message, Exception? inner = null) : Exception(message, inner);
