namespace GroveMoE.Cpu.Model;

/// <summary>Element type of the KV cache: F16 halves its memory (llama.cpp's default), F32 is exact.</summary>
public enum KvCacheType
{
    F32,
    F16,
}
