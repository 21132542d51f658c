using GroveMoE.Cpu.Generation;
using GroveMoE.Cpu.Model;

namespace GroveMoE.Cpu.Tests.Generation;

/// <summary>Whoever creates a disposable disposes it, once: sessions own what their offload factory made, a forward
/// pass never disposes an offload it was handed, a chat disposes its session only when it owns it.</summary>
public sealed class OwnershipTests(TinyLanguageModelFixture tiny) : IClassFixture<TinyLanguageModelFixture>
{
    private sealed class CountingOffload : ILayerOffload
    {
        public int Disposals { get; private set; }
        public bool OwnsLayer(int layer) => false;
        public bool OwnsExperts(int layer) => false;
        public int RunLayer(int layer, Span<float> x, int n, int startPosition) => throw new InvalidOperationException("owns no layer");
        public void Dispose() => Disposals++;
    }

    private static SessionOptions WithOffload(CountingOffload offload, List<SessionOptions>? seen = null) => new()
    {
        ContextLength = 64, Threads = 1, BatchSize = 8,
        LayerOffload = (_, options) =>
        {
            seen?.Add(options);
            return offload;
        },
    };

    [Fact]
    public void AForwardPassLeavesAnOffloadItWasHanded()
    {
        var offload = new CountingOffload();
        new GroveForward(tiny.Model.Model, 16, threads: 1) { Offload = offload }.Dispose();
        Assert.Equal(0, offload.Disposals);
    }

    [Fact]
    public void ASessionDisposesWhatItsOffloadFactoryMadeOnceAndSizesItWithItsOptions()
    {
        var offload = new CountingOffload();
        var seen = new List<SessionOptions>();
        var options = WithOffload(offload, seen);
        var session = tiny.Model.OpenSession(options);
        Assert.Equal([options], seen);
        session.Dispose();
        Assert.Equal(1, offload.Disposals);
    }

    [Fact]
    public void AChatDisposesItsSessionOnlyWhenItOwnsIt()
    {
        var owned = new CountingOffload();
        tiny.Model.OpenChat(session: WithOffload(owned)).Dispose();
        Assert.Equal(1, owned.Disposals);

        var lent = new CountingOffload();
        using var session = tiny.Model.OpenSession(WithOffload(lent));
        new ChatSession(session).Dispose();
        Assert.Equal(0, lent.Disposals);
    }
}
