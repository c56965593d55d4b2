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
    /// Memory the frame slots may take together; at 1080p it allows the full batch, at 4K one frame per
    /// batch. At 256 MB a 4K render held two frames a batch and peaked at 495 MB; at 128 MB 365 MB, and
    /// no slower (10 s of voice, 3840×2160: 9.5–9.8 s against 10.1–11.1 s), since only the face's
    /// region is drawn and the encoder sets the pace.
    /// </summary>
    public const long FrameMemoryBudgetBytes = 128L << 20;

    /// <summary>
    /// Frames per batch: two batches of frame slots (each an RGBA frame and its prepared twin of
    /// <paramref name="preparedLength"/> bytes) are alive at once; as many frames per batch as keeps
    /// every core busy, but no more than fit <see cref="FrameMemoryBudgetBytes"/>, so a 4K portrait
    /// does not hold gigabytes of frames.
    /// </summary>
    internal static int BatchSize(int width, int height, int preparedLength, int degreeOfParallelism)
    {
        var slotBytes = ((long)width * height * Frame.BytesPerPixel) + preparedLength;
        var affordable = (int)Math.Clamp(FrameMemoryBudgetBytes / (2 * slotBytes), 1, int.MaxValue);
        return Math.Min(Math.Max(2, degreeOfParallelism * 2), affordable);
    }

    /// <summary>
    /// Frames between full garbage collections. Work beside a long render (phones decoded behind it)
    /// leaves garbage that outlives a young collection; the runtime collects the old generation
    /// rarely, so the process grew by about 15 MB a minute of a 10-minute English voice. A full
    /// collection every 1000 frames (40 s of video, a few milliseconds each) keeps it level.
    /// </summary>
    internal const int FramesBetweenCollections = 1000;

    /// <summary>
    /// Renders frames 0..<paramref name="frameCount"/>-1 with <paramref name="render"/> and writes them to
    /// <paramref name="sink"/> in order. A batch of frames is rendered and prepared (converted to the
    /// sink's format) in parallel while the previous batch is being written, so the encoder and the
    /// renderer overlap.
    /// </summary>
    /// <remarks>
    /// When <paramref name="background"/> is given, every frame equals it outside <paramref name="changing"/>:
    /// frame buffers start as a copy of it, <paramref name="render"/> only has to draw inside
    /// <paramref name="changing"/>, and only that region is converted again for each frame. Without it,
    /// <paramref name="render"/> draws whole frames.
    /// </remarks>
    public static void Stream(int frameCount, int width, int height, RenderFrame render, IFrameSink sink,
        int degreeOfParallelism, IProgress<int>? framesDone = null, CancellationToken cancellationToken = default,
        Frame? background = null, PixelRect? changing = null)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(degreeOfParallelism, 1);
        if (background is not null && (background.Width != width || background.Height != height))
            throw new ArgumentException("The background's size differs from the video's.", nameof(background));
        var full = PixelRect.Full(width, height);
        var region = background is null ? full : (changing ?? full);
        var batchSize = BatchSize(width, height, sink.PreparedLength, degreeOfParallelism);
        // Each frame slot has its prepared (wire-format) twin; preparing runs in the parallel section.
        // A twin is converted whole the first time, then only where frames change. The second batch is
        // made while the first is written, not before the first frame (at 1080p 91 MB of slots,
        // copied from the background and touched page by page).
        var batches = new Frame[]?[2];
        var prepared = new byte[]?[2][];
        var primed = new[] { new bool[batchSize], new bool[batchSize] };
        try
        {
            Task? writing = null;
            var parallel = new ParallelOptions { MaxDegreeOfParallelism = degreeOfParallelism, CancellationToken = cancellationToken };
            for (int start = 0, b = 0; start < frameCount; start += batchSize, b ^= 1)
            {
                var count = Math.Min(batchSize, frameCount - start);
                if (start > 0 && (start + count) / FramesBetweenCollections > start / FramesBetweenCollections)
                    GC.Collect();
                var batch = batches[b] ??= Allocate(batchSize, width, height, background);
                var wire = prepared[b] ??= Enumerable.Range(0, batchSize).Select(_ => new byte[sink.PreparedLength]).ToArray();
                var ready = primed[b];
                var first = start;
                Parallel.For(0, count, parallel, i =>
                {
                    render(first + i, batch[i]);
                    sink.Prepare(batch[i], wire[i], ready[i] ? region : full);
                    ready[i] = true;
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
                foreach (var frame in batch ?? []) frame.Dispose();
        }
    }

    private static Frame[] Allocate(int count, int width, int height, Frame? background)
    {
        var frames = new Frame[count];
        for (var i = 0; i < count; i++)
        {
            frames[i] = new Frame(width, height);
            background?.CopyTo(frames[i]);
        }
        return frames;
    }
}
