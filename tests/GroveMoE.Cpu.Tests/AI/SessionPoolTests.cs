using GroveMoE.Cpu.Generation;

namespace GroveMoE.Cpu.Tests.AI;

public sealed class SessionPoolTests(TinyLanguageModelFixture tiny) : IClassFixture<TinyLanguageModelFixture>
{
    [Fact]
    public async Task WaitingRequestsGetTheSessionInArrivalOrderAndCancelledOnesLeaveTheLine()
    {
        using var pool = new SessionPool(tiny.Model, 1);
        int[] prompt = [1, 2, 3];
        var first = await pool.RentAsync(prompt);
        var order = new List<int>();
        using var cancel = new CancellationTokenSource();
        var waiters = new List<Task>();
        for (int i = 0; i < 4; i++)
        {
            int n = i;
            var token = n == 2 ? cancel.Token : CancellationToken.None;
            var lease = pool.RentAsync(prompt, token).AsTask();
            waiters.Add(lease.ContinueWith(t =>
            {
                if (t.IsCanceled) return;
                lock (order) order.Add(n);
                t.Result.Dispose();
            }, TaskScheduler.Default));
            while (pool.Waiting != n + 1) await Task.Yield();
        }
        cancel.Cancel();
        Assert.Equal(3, pool.Waiting);
        first.Dispose();
        await Task.WhenAll(waiters);
        Assert.Equal([0, 1, 3], order);
        Assert.Equal(0, pool.Waiting);
    }

    [Fact]
    public async Task ARequestGetsTheFreeSessionHoldingTheStartOfItsPrompt()
    {
        using var pool = new SessionPool(tiny.Model, 2);
        int[] a = tiny.Model.EncodeChat([new ChatTurn(AuthorRole.User, "first conversation")]);
        int[] b = tiny.Model.EncodeChat([new ChatTurn(AuthorRole.User, "second conversation")]);
        var options = new GenerationOptions { MaxTokens = 2, Sampler = SamplerOptions.Greedy };
        InferenceSession sessionA, sessionB;
        using (var leaseA = await pool.RentAsync(a))
        using (var leaseB = await pool.RentAsync(b))
        {
            Assert.NotSame(leaseA.Session, leaseB.Session);
            (sessionA, sessionB) = (leaseA.Session, leaseB.Session);
            await foreach (var _ in sessionA.GenerateAsync(a, options)) { }
            await foreach (var _ in sessionB.GenerateAsync(b, options)) { }
        }
        int[] bExtended = [.. b, .. tiny.Model.Tokenizer.Encode("more")];
        using (var lease = await pool.RentAsync(bExtended)) Assert.Same(sessionB, lease.Session);
        using (var lease = await pool.RentAsync(a)) Assert.Same(sessionA, lease.Session);
    }
}
