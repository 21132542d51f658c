namespace GroveMoE.Cpu.Tokenization;

/// <summary>The values of <c>tokenizer.ggml.token_type</c> (llama.cpp's <c>llama_token_type</c>).</summary>
public enum TokenType
{
    /// <summary>No type given.</summary>
    Undefined = 0,
    /// <summary>An ordinary vocabulary token.</summary>
    Normal = 1,
    /// <summary>The unknown-token placeholder.</summary>
    Unknown = 2,
    /// <summary>Chat markup and other control tokens.</summary>
    Control = 3,
    /// <summary>A token added by the model's authors, matched as written.</summary>
    UserDefined = 4,
    /// <summary>A reserved slot.</summary>
    Unused = 5,
    /// <summary>A raw byte token.</summary>
    Byte = 6,
}
