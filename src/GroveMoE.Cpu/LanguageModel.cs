using GroveMoE.Cpu.Generation;
using GroveMoE.Cpu.Hub;
using GroveMoE.Cpu.Model;
using GroveMoE.Cpu.Tokenization;

namespace GroveMoE.Cpu;

/// <summary>
/// A GroveMoE model ready to generate: the memory-mapped weights, the tokenizer and the chat template, loaded in
/// one call. This is the type an application starts from.
/// </summary>
/// <remarks>
/// A loaded model is immutable and safe to share across threads: any number of sessions, on any threads, may
/// generate from it at the same time, each with its own KV cache, and each gives the same text it would give
/// alone. A session itself (<see cref="InferenceSession"/>, <see cref="ChatSession"/>) is for one conversation
/// at a time. Dispose the model after its sessions; it unmaps the file.
/// </remarks>
/// <example>
/// <code>
/// using var model = LanguageModel.Load("GroveMoE-Inst-Q4_0.gguf");
/// using var session = model.OpenSession();
/// var chat = new ChatSession(session);
/// await foreach (var piece in chat.SendAsync("Hello!")) Console.Write(piece);
/// </code>
/// </example>
public sealed class LanguageModel : IDisposable
{
    private LanguageModel(GroveModel model, GroveTokenizer tokenizer, string name, LoadOptions options)
    {
        Model = model;
        Tokenizer = tokenizer;
        ChatTemplate = ChatTemplate.ForModel(model.File.Metadata);
        Name = name;
        Options = options;
    }

    /// <summary>The weights and hyperparameters.</summary>
    public GroveModel Model { get; }

    /// <summary>The model's byte-level BPE tokenizer, read from the GGUF.</summary>
    public GroveTokenizer Tokenizer { get; }

    /// <summary>Renders conversations into the prompt format the model was trained on.</summary>
    public ChatTemplate ChatTemplate { get; }

    /// <summary>The model's name (see <see cref="LoadOptions.Name"/>).</summary>
    public string Name { get; }

    /// <summary>The options the model was loaded with.</summary>
    public LoadOptions Options { get; }

    /// <summary>
    /// Maps the GroveMoE GGUF file at <paramref name="path"/> and reads its tokenizer. Throws
    /// <see cref="FileNotFoundException"/>, <see cref="Gguf.GgufFormatException"/> or
    /// <see cref="ModelFormatException"/> for files it cannot use.
    /// </summary>
    /// <param name="path">The GGUF file (the first part of a split model).</param>
    /// <param name="options">The name and the sessions' defaults.</param>
    public static LanguageModel Load(string path, LoadOptions? options = null) => LoadCore(path, options, null, CancellationToken.None);

    /// <summary>
    /// <see cref="Load(string, LoadOptions?)"/> off the caller's thread: mapping and checking the file, then building the
    /// tokenizer (about a second for Qwen3's 151k tokens). <paramref name="progress"/> receives the fraction done, 0 to 1.
    /// </summary>
    /// <param name="path">The GGUF file (the first part of a split model).</param>
    /// <param name="options">The name and the sessions' defaults.</param>
    /// <param name="progress">Receives 0 when loading starts, 0.5 once the weights are mapped and 1 when done.</param>
    /// <param name="cancellationToken">Stops the load between its steps; nothing stays mapped.</param>
    public static Task<LanguageModel> LoadAsync(string path, LoadOptions? options = null, IProgress<float>? progress = null,
        CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(path);
        return Task.Run(() => LoadCore(path, options, progress, cancellationToken), cancellationToken);
    }

    private static LanguageModel LoadCore(string path, LoadOptions? options, IProgress<float>? progress, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(path);
        options ??= new LoadOptions();
        progress?.Report(0f);
        var model = GroveModel.Load(path, repack: options.Repack);
        try
        {
            cancellationToken.ThrowIfCancellationRequested();
            progress?.Report(0.5f);
            var tokenizer = GroveTokenizer.FromMetadata(model.File.Metadata);
            cancellationToken.ThrowIfCancellationRequested();
            progress?.Report(1f);
            string name = options.Name
                ?? model.File.Metadata.GetStringOrNull("general.name")
                ?? Path.GetFileNameWithoutExtension(path);
            return new LanguageModel(model, tokenizer, name, options);
        }
        catch
        {
            model.Dispose();
            throw;
        }
    }

    /// <summary>
    /// Loads a GGUF from the Hugging Face Hub (<c>[hf.co/]OWNER/REPO[:QUANT]</c>): the cached copy when there is one,
    /// else pulled into the Hub cache first (see <see cref="ModelHub"/>).
    /// </summary>
    /// <param name="hub">The hub to pull through; default: one configured from the environment (HF_ENDPOINT, HF_TOKEN, HF_HUB_OFFLINE, HF_HUB_CACHE).</param>
    public static async Task<LanguageModel> LoadFromHubAsync(string reference, LoadOptions? options = null, IProgress<PullProgress>? progress = null,
        ModelHub? hub = null, CancellationToken cancel = default)
    {
        using var owned = hub is null ? new ModelHub() : null;
        string path = await (hub ?? owned!).GetOrPullAsync(reference, progress, cancel).ConfigureAwait(false);
        return Load(path, options);
    }

    /// <summary>Opens a session: a KV cache and worker threads of its own over the shared weights.</summary>
    /// <param name="options">Its context length, threads and batch size; default: <see cref="LoadOptions.Session"/>.</param>
    public InferenceSession OpenSession(SessionOptions? options = null) =>
        new(Model, Tokenizer, options ?? Options.Session);

    /// <summary>Opens a multi-turn chat on a session of its own, which disposing the chat disposes.</summary>
    /// <param name="chat">System prompt, thinking mode, what to do when the context fills.</param>
    /// <param name="session">Its context length, threads and batch size; default: <see cref="LoadOptions.Session"/>.</param>
    public ChatSession OpenChat(ChatSessionOptions? chat = null, SessionOptions? session = null) =>
        new(OpenSession(session), chat, ownsSession: true);

    /// <summary>The tokens of the prompt that asks for the assistant's next message in <paramref name="messages"/>.</summary>
    public int[] EncodeChat(IReadOnlyList<ChatTurn> messages, bool thinking = true) =>
        Tokenizer.Encode(ChatTemplate.Render(null, messages, thinking));

    /// <summary>Unmaps the weights; sessions must be disposed first.</summary>
    public void Dispose() => Model.Dispose();
}
