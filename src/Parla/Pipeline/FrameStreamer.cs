using Parla.Media;

namespace Parla.Pipeline;

/// <summary>Renders one video frame into a destination the caller gives; must be safe to call in parallel.</summary>
public delegate void RenderFrame(int index, Frame destination);

/// <summary>
/// Renders frames in parallel and hands them to a sink strictly in order, holding only a small
/// window of frames in memory whatever the video's length.
/// </summary>
public static class FrameStreamer
{
    /// <summary>
    /// Renders frames 0..<paramref name="frameCount"/>-1 with <paramref name="render"/> and writes them to
    /// <paramref name="sink"/> in order. A batch of frames is rendered in parallel while the previous batch
    /// is being written, so the encoder and the renderer overlap.
    /// </summary>
    public static void Stream(int frameCount, int width, int height, RenderFrame render, IFrameSink sink,
        int degreeOfParallelism, IProgress<int>? framesDone = null, CancellationToken cancellationToken = default)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(degreeOfParallelism, 1);
        var batchSize = Math.Max(2, degreeOfParallelism * 2);
        var batches = new[] { Allocate(batchSize, width, height), Allocate(batchSize, width, height) };
        // Each frame slot has its prepared (wire-format) twin; preparing runs in the parallel section.
        var prepared = new[] { new byte[batchSize][], new byte[batchSize][] };
        foreach (var set in prepared)
            for (var i = 0; i < batchSize; i++) set[i] = new byte[sink.PreparedLength];
        try
        {
            Task? writing = null;
            var parallel = new ParallelOptions { MaxDegreeOfParallelism = degreeOfParallelism, CancellationToken = cancellationToken };
            for (int start = 0, b = 0; start < frameCount; start += batchSize, b ^= 1)
            {
                var count = Math.Min(batchSize, frameCount - start);
                var batch = batches[b];
                var wire = prepared[b];
                var first = start;
                Parallel.For(0, count, parallel, i =>
                {
                    render(first + i, batch[i]);
                    sink.Prepare(batch[i], wire[i]);
                });
                writing?.GetAwaiter().GetResult();
                writing = Task.Run(() =>
                {
                    for (var i = 0; i < count; i++)
                    {
                        cancellationToken.ThrowIfCancellationRequested();
                        sink.WritePrepared(wire[i]);
                        framesDone?.Report(first + i + 1);
                    }
                }, cancellationToken);
            }
            writing?.GetAwaiter().GetResult();
        }
        finally
        {
            foreach (var batch in batches)
                foreach (var frame in batch) frame.Dispose();
        }
    }

    private static Frame[] Allocate(int count, int width, int height)
    {
        var frames = new Frame[count];
        for (var i = 0; i < count; i++) frames[i] = new Frame(width, height);
        return frames;
    }
}
