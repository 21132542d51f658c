using System.Runtime.ExceptionServices;
using CommunityToolkit.HighPerformance;
using CommunityToolkit.HighPerformance.Buffers;
using GroveMoE.Cpu.Conversion.Gguf;
using GroveMoE.Cpu.Quantization;

namespace GroveMoE.Quantizer.Conversion;

/// <summary>
/// Converts a plan's tensors into a <see cref="GgufWriter"/>: each tensor is cut into chunks of rows that worker
/// threads convert in parallel while this thread writes them in file order. At most two chunks per worker are in
/// flight, so memory stays a few tens of megabytes whatever the model size.
/// </summary>
public static class ParallelTensorConverter
{
    private const int ChunkValues = 1 << 20;

    private sealed record Chunk(OutputTensor Tensor, long FirstRow, int Rows)
    {
        public int Bytes => checked((int)(Rows * Tensor.RowBytes));
    }

    /// <param name="written">called on this thread with the byte count of each chunk written</param>
    public static void Run(GgufWriter writer, IReadOnlyList<OutputTensor> tensors, int threads,
        Action<long> written, CancellationToken cancel)
    {
        var chunks = Split(tensors);
        int window = 2 * threads;
        var slots = new MemoryOwner<byte>?[window];
        var gate = new object();
        Exception? failure = null;
        long next = 0;
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(cancel);
        using var free = new SemaphoreSlim(window);

        void Work()
        {
            var values = new float[chunks.Count == 0 ? 0 : chunks.Max(c => c.Rows * c.Tensor.RowLength)];
            try
            {
                while (true)
                {
                    free.Wait(stop.Token);
                    long k = Interlocked.Increment(ref next) - 1;
                    if (k >= chunks.Count) return;
                    var output = Convert(chunks[(int)k], values);
                    lock (gate)
                    {
                        slots[k % window] = output;
                        Monitor.PulseAll(gate);
                    }
                }
            }
            catch (OperationCanceledException) when (stop.IsCancellationRequested)
            {
            }
            catch (Exception e)
            {
                lock (gate)
                {
                    failure ??= e;
                    Monitor.PulseAll(gate);
                }
                stop.Cancel();
            }
        }

        var workers = Enumerable.Range(0, threads)
            .Select(_ => Task.Factory.StartNew(Work, CancellationToken.None, TaskCreationOptions.LongRunning, TaskScheduler.Default))
            .ToArray();
        try
        {
            for (int k = 0; k < chunks.Count; k++)
            {
                using (var data = WaitFor(k)) writer.WriteTensorData(data.Span);
                free.Release();
                written(chunks[k].Bytes);
            }
        }
        finally
        {
            stop.Cancel();
            Task.WaitAll(workers);
        }

        MemoryOwner<byte> WaitFor(int k)
        {
            lock (gate)
            {
                while (true)
                {
                    if (failure is not null) ExceptionDispatchInfo.Throw(failure);
                    cancel.ThrowIfCancellationRequested();
                    if (slots[k % window] is { } data)
                    {
                        slots[k % window] = null;
                        return data;
                    }
                    Monitor.Wait(gate, 100);
                }
            }
        }
    }

    /// <summary>The chunk's rows in the output type, in a pooled buffer the writing thread returns.</summary>
    private static MemoryOwner<byte> Convert(Chunk chunk, float[] values)
    {
        var t = chunk.Tensor;
        var output = MemoryOwner<byte>.Allocate(chunk.Bytes);
        if (!t.Source.TryCopyRaw(t.Type, chunk.FirstRow, chunk.Rows, output.Span))
        {
            int rowLength = (int)t.RowLength;
            var floats = values.AsSpan(0, chunk.Rows * rowLength);
            t.Source.ReadRows(chunk.FirstRow, chunk.Rows, floats);
            Span2D<float> inputRows = floats.AsSpan2D(chunk.Rows, rowLength);
            Span2D<byte> outputRows = output.Span.AsSpan2D(chunk.Rows, (int)t.RowBytes);
            for (int r = 0; r < chunk.Rows; r++) RowCodec.Quantize(t.Type, inputRows.GetRowSpan(r), outputRows.GetRowSpan(r));
        }
        t.Source.Release(chunk.FirstRow, chunk.Rows);
        return output;
    }

    private static List<Chunk> Split(IReadOnlyList<OutputTensor> tensors)
    {
        var chunks = new List<Chunk>();
        foreach (var t in tensors)
        {
            int rowsPerChunk = (int)Math.Max(1, ChunkValues / t.RowLength);
            for (long row = 0; row < t.RowCount; row += rowsPerChunk)
                chunks.Add(new Chunk(t, row, (int)Math.Min(rowsPerChunk, t.RowCount - row)));
        }
        return chunks;
    }
}
