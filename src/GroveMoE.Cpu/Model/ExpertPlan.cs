namespace GroveMoE.Cpu.Model;

/// <summary>
/// Which tokens of a batch go to which expert of one family (routed experts or adjugate groups), laid out
/// expert by expert so each expert's weights are read once for all its tokens. Assignment a sends token
/// <see cref="Tokens"/>[a] with weight <see cref="Weights"/>[a] to the expert whose range holds a.
/// </summary>
internal sealed class ExpertPlan
{
    private readonly int[] _counts;
    private readonly int[] _cursor;
    private readonly int[] _pendingToken;
    private readonly int[] _pendingExpert;
    private readonly float[] _pendingWeight;
    private int _pending;

    public ExpertPlan(int experts, int maxAssignments)
    {
        _counts = new int[experts];
        _cursor = new int[experts];
        Offsets = new int[experts + 1];
        Tokens = new int[maxAssignments];
        Weights = new float[maxAssignments];
        _pendingToken = new int[maxAssignments];
        _pendingExpert = new int[maxAssignments];
        _pendingWeight = new float[maxAssignments];
    }

    public int[] Offsets { get; }
    public int[] Tokens { get; }

    public float[] Weights { get; }
    public int Experts => _counts.Length;
    public int Assignments => _pending;
    public int Count(int expert) => Offsets[expert + 1] - Offsets[expert];

    public void Clear()
    {
        _pending = 0;
        Array.Clear(_counts);
    }

    public void Add(int token, int expert, float weight)
    {
        _pendingToken[_pending] = token;
        _pendingExpert[_pending] = expert;
        _pendingWeight[_pending] = weight;
        _pending++;
        _counts[expert]++;
    }

    /// <summary>Sorts the added assignments by expert (a counting sort, stable in token order).</summary>
    public void Build()
    {
        Offsets[0] = 0;
        for (int e = 0; e < _counts.Length; e++) Offsets[e + 1] = Offsets[e] + _counts[e];
        Array.Copy(Offsets, _cursor, _counts.Length);
        for (int i = 0; i < _pending; i++)
        {
            int a = _cursor[_pendingExpert[i]]++;
            Tokens[a] = _pendingToken[i];
            Weights[a] = _pendingWeight[i];
        }
    }
}
