using System.Runtime.CompilerServices;
using System.Text;
using GroveMoE.Cpu.Model;

namespace GroveMoE.Cpu.Generation;

/// <summary>
/// A multi-turn chat over an <see cref="InferenceSession"/>: keeps the history, renders it with the model's chat
/// template and streams each answer. Each turn's prompt begins with the previous turns, so only the new message is
/// evaluated. When the history outgrows the context, the oldest turns are dropped if
/// <see cref="ChatSessionOptions.DropOldestTurns"/>, else <see cref="ContextFullException"/> is thrown.
/// </summary>
/// <param name="session">The session that holds the conversation's KV cache.</param>
/// <param name="options">System prompt, thinking mode, what to do when the context fills.</param>
/// <param name="ownsSession">Whether disposing the chat disposes <paramref name="session"/>
/// (<see cref="LanguageModel.OpenChat"/> opens a session of the chat's own).</param>
public sealed class ChatSession(InferenceSession session, ChatSessionOptions? options = null, bool ownsSession = false) : IDisposable
{
    private readonly List<ChatTurn> _history = [];
    private readonly ChatTemplate _template = ChatTemplate.ForModel(session.Model.File.Metadata);

    /// <summary>System prompt, thinking mode, what to do when the context fills.</summary>
    public ChatSessionOptions Options { get; } = options ?? new ChatSessionOptions();

    /// <summary>The session that holds the conversation's KV cache.</summary>
    public InferenceSession Session => session;

    /// <summary>The turns so far (system prompt excluded), oldest first.</summary>
    public IReadOnlyList<ChatTurn> History => _history;

    /// <summary>Turns dropped so far to fit the context.</summary>
    public int DroppedTurns { get; private set; }

    /// <summary>Forgets the conversation and empties the cache.</summary>
    public void Reset()
    {
        _history.Clear();
        DroppedTurns = 0;
        session.Reset();
    }

    /// <summary>Adds <paramref name="userMessage"/> and streams the answer, which joins the history when it ends
    /// (a cancelled answer joins as far as it got); the last update carries the answer's statistics, as
    /// <see cref="InferenceSession.GenerateAsync"/>'s does.</summary>
    /// <exception cref="ContextFullException">The history does not fit even after dropping old turns (or dropping is off).</exception>
    public async IAsyncEnumerable<GenerationUpdate> SendAsync(string userMessage, GenerationOptions? generation = null,
        [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        generation ??= new GenerationOptions();
        _history.Add(new ChatTurn(AuthorRole.User, userMessage));
        int[] prompt;
        try
        {
            prompt = FitPrompt(generation);
        }
        catch
        {
            _history.RemoveAt(_history.Count - 1);
            throw;
        }

        var answer = new StringBuilder();
        try
        {
            await foreach (var piece in session.GenerateAsync(prompt, generation, cancellationToken))
            {
                answer.Append(piece.Text);
                yield return piece;
            }
        }
        finally
        {
            _history.Add(new ChatTurn(AuthorRole.Assistant, answer.ToString()));
        }
    }

    /// <summary>Renders the history, dropping the oldest turns while the prompt leaves no room to answer.</summary>
    private int[] FitPrompt(GenerationOptions generation)
    {
        int room = Math.Min(generation.MaxTokens, Math.Max(16, session.ContextLength / 8));
        while (true)
        {
            var prompt = session.Tokenizer.Encode(_template.Render(Options.SystemPrompt, _history, Options.Thinking));
            if (prompt.Length + room <= session.ContextLength) return prompt;
            if (!Options.DropOldestTurns || _history.Count <= 1)
                throw new ContextFullException(session.ContextLength, prompt.Length + room);
            int drop = _history.Count >= 3 ? 2 : 1; // a user message and its answer
            _history.RemoveRange(0, drop);
            DroppedTurns += drop;
        }
    }

    /// <summary>Disposes the session if the chat owns it (see the constructor's <c>ownsSession</c>).</summary>
    public void Dispose()
    {
        if (ownsSession) session.Dispose();
    }
}
