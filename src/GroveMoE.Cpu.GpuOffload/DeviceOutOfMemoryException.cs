namespace GroveMoE.Cpu.GpuOffload;

/// <summary>The device (or the memory budget given for it) has no room for the next allocation.</summary>
public sealed class DeviceOutOfMemoryException(string message, Exception? inner = null) : Exception(message, inner);
