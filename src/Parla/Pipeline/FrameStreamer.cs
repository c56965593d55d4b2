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
    /// Memory the frames in flight may take together: the frames being drawn (one a core at most) and
    /// the two batches of prepared frames. At 1080p it allows the full batch, at 4K one frame a batch.
    /// (When every slot of a batch held its own drawn frame as well, a 256-MB budget let a 4K render hold
    /// two frames a batch and peak at 495 MB; 128 MB, one a batch, 365 MB, and no slower — 10 s of voice
    /// at 3840×2160, 9.5–9.8 s against 10.1–11.1 s — since only the face's region is drawn and the
    /// encoder sets the pace.)
    /// </summary>
    public const long FrameMemoryBudgetBytes = 96L << 20;

    /// <summary>
    /// Frames per batch: two batches of prepared frames (<paramref name="preparedLength"/> bytes each)
    /// are alive at once, and a drawn RGBA frame for each core drawing; as many frames per batch as keeps
    /// every core busy, but no more than fit <see cref="FrameMemoryBudgetBytes"/>, so a 4K portrait
    /// does not hold gigabytes of frames.
    /// </summary>
    internal static int BatchSize(int width, int height, int preparedLength, int degreeOfParallelism)
    {
        var frameBytes = (long)width * height * Frame.BytesPerPixel;
        for (var batch = Math.Max(2, degreeOfParallelism * 2); batch > 1; batch--)
        {
            if (MemoryInFlight(frameBytes, preparedLength, batch, degreeOfParallelism) <= FrameMemoryBudgetBytes) return batch;
        }

        return 1;
    }

    /// <summary>What the frames of <see cref="Stream"/> take at most: a drawn frame per core drawing, and two batches of prepared ones.</summary>
    internal static long MemoryInFlight(long frameBytes, int preparedLength, int batch, int degreeOfParallelism) =>
        (Math.Min(batch, degreeOfParallelism) * frameBytes) + (2L * batch * preparedLength);

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
    /// When <paramref name="background"/> is given, every frame equals it outside <paramref name="changing"/>
    /// (with <paramref name="overBackground"/> applied, where given): frame buffers start as a copy of it,
    /// <paramref name="overBackground"/> applied to the whole copy once, <paramref name="render"/> only has to
    /// draw inside <paramref name="changing"/>, and only that region is converted again for each frame.
    /// Without it, <paramref name="render"/> draws whole frames. <paramref name="firstDrawing"/>, where
    /// given, is such a frame buffer made ahead by the caller (who disposes it): the first drawing to
    /// need a buffer takes it, before any is made. Where <paramref name="allFrames"/> is given,
    /// <paramref name="frameCount"/> is only how many frames there are at least: the whole count is asked
    /// of it (once; it may wait) when the next batch would go past them.
    /// </remarks>
    public static void Stream(int frameCount, int width, int height, RenderFrame render, IFrameSink sink,
        int degreeOfParallelism, IProgress<int>? framesDone = null, CancellationToken cancellationToken = default,
        Frame? background = null, PixelRect? changing = null, Action<Frame>? overBackground = null, Frame? firstDrawing = null,
        Func<int>? allFrames = null)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(degreeOfParallelism, 1);
        if (background is not null && (background.Width != width || background.Height != height))
            throw new ArgumentException("The background's size differs from the video's.", nameof(background));
        var full = PixelRect.Full(width, height);
        var region = background is null ? full : (changing ?? full);
        var batchSize = BatchSize(width, height, sink.PreparedLength, degreeOfParallelism);
        // A frame is drawn into one of the drawing threads' frames (each a copy of the background,
        // made when a thread first needs one: at most one a core), then prepared (converted to the
        // sink's format) into its slot of the batch; only the prepared frames wait to be written.
        // A slot is converted whole the first time, then only where frames change. The second batch is
        // made while the first is written, not before the first frame.
        var drawing = new System.Collections.Concurrent.ConcurrentBag<Frame>();
        if (firstDrawing is not null)
        {
            if (firstDrawing.Width != width || firstDrawing.Height != height)
                throw new ArgumentException("The first drawing frame's size differs from the video's.", nameof(firstDrawing));
            drawing.Add(firstDrawing);
        }

        var prepared = new byte[]?[2][];
        var primed = new[] { new bool[batchSize], new bool[batchSize] };
        try
        {
            Task? writing = null;
            var parallel = new ParallelOptions
            {
                MaxDegreeOfParallelism = Math.Min(degreeOfParallelism, batchSize),
                CancellationToken = cancellationToken,
            };
            for (int start = 0, b = 0; ; start += batchSize, b ^= 1)
            {
                if (allFrames is not null && start + batchSize > frameCount)
                {
                    frameCount = allFrames();
                    allFrames = null;
                }

                if (start >= frameCount) break;
                var count = Math.Min(batchSize, frameCount - start);
                if (start > 0 && (start + count) / FramesBetweenCollections > start / FramesBetweenCollections)
                    GC.Collect();
                var wire = prepared[b] ??= Enumerable.Range(0, batchSize).Select(_ => new byte[sink.PreparedLength]).ToArray();
                var ready = primed[b];
                var first = start;
                try
                {
                    Parallel.For(0, count, parallel, i =>
                    {
                        var frame = Rent(drawing, width, height, background, overBackground);
                        try
                        {
                            render(first + i, frame);
                            sink.Prepare(frame, wire[i], ready[i] ? region : full);
                            ready[i] = true;
                        }
                        finally
                        {
                            drawing.Add(frame);
                        }
                    });
                }
                catch (AggregateException e) when (e.InnerExceptions.Count > 0)
                {
                    // What failed a frame (a voice whose decoding failed behind the frames, a chapter's
                    // motion) is what the caller reports, not the loop's wrapper of it.
                    System.Runtime.ExceptionServices.ExceptionDispatchInfo.Capture(e.InnerExceptions[0]).Throw();
                }
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
            // Every drawing frame is back in the bag: each drawing returns its frame, and Parallel.For
            // ends only when every drawing has. The caller's own frame is the caller's to dispose.
            foreach (var frame in drawing)
            {
                if (!ReferenceEquals(frame, firstDrawing)) frame.Dispose();
            }
        }
    }

    /// <summary>A drawing frame: one a thread has let go, or a new one made from the background (<see cref="FromBackground"/>).</summary>
    private static Frame Rent(System.Collections.Concurrent.ConcurrentBag<Frame> drawing, int width, int height, Frame? background, Action<Frame>? overBackground)
    {
        if (drawing.TryTake(out var frame)) return frame;
        return background is null ? new Frame(width, height) : FromBackground(background, overBackground);
    }

    /// <summary>A frame buffer as <see cref="Stream"/> makes one: a copy of <paramref name="background"/>, <paramref name="overBackground"/> applied to all of it.</summary>
    public static Frame FromBackground(Frame background, Action<Frame>? overBackground)
    {
        var frame = background.Clone();
        try
        {
            overBackground?.Invoke(frame);
            return frame;
        }
        catch
        {
            frame.Dispose();
            throw;
        }
    }
}
