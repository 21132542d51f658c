namespace GroveMoE.Cpu.Model;

/// <summary>Element type of the KV cache: F16 halves its memory (llama.cpp's default), F32 is exact.</summary>
public enum KvCacheType
{
    /// <summary>32-bit floats: exact, 4 bytes per element.</summary>
    F32,
    /// <summary>IEEE halves: half the memory, keys and values rounded.</summary>
    F16,
}
