using Parla.Media;
using Parla.Pipeline;

namespace Parla.Tests.Pipeline;

public sealed class FrameStreamerTests
{
    private sealed class RecordingSink : IFrameSink
    {
        public List<byte> FirstBytes { get; } = [];
        public int PreparedLength => 1;
        public void Prepare(Frame frame, Span<byte> prepared, PixelRect changed) => prepared[0] = frame.Pixels[0];
        public void WritePrepared(ReadOnlySpan<byte> prepared) => FirstBytes.Add(prepared[0]);
        public void Complete() { }
        public void Dispose() { }
    }

    [Theory]
    [InlineData(1, 1)]
    [InlineData(37, 2)]
    [InlineData(100, 4)]
    public void Stream_WritesEveryFrameInOrder(int frameCount, int parallelism)
    {
        var sink = new RecordingSink();
        FrameStreamer.Stream(frameCount, 8, 8, (i, f) =>
        {
            Thread.SpinWait((frameCount - i) * 50); // later frames finish first within a batch
            f.Pixels.Fill((byte)i);
        }, sink, parallelism);
        Assert.Equal(Enumerable.Range(0, frameCount).Select(i => (byte)i), sink.FirstBytes);
    }

    [Theory]
    [InlineData(10, 10)]
    [InlineData(10, 37)]
    [InlineData(12, 13)]
    public void Stream_FramesKnownLater_AsksForTheirCountOnce_WhenTheKnownOnesRunOut(int known, int all)
    {
        var sink = new RecordingSink();
        var asked = new List<int>();
        var drawn = 0;
        FrameStreamer.Stream(known, 8, 8, (i, f) =>
        {
            Interlocked.Increment(ref drawn);
            f.Pixels.Fill((byte)i);
        }, sink, 2, allFrames: () =>
        {
            // Asked for before any frame past the known ones is drawn.
            lock (asked) asked.Add(Volatile.Read(ref drawn));
            return all;
        });
        Assert.Equal(Enumerable.Range(0, all).Select(i => (byte)i), sink.FirstBytes);
        Assert.Single(asked);
        Assert.InRange(asked[0], 0, known);
    }

    [Fact]
    public void Stream_AFrameThatFails_FailsItWithItsOwnError()
    {
        var e = Assert.Throws<InvalidDataException>(() => FrameStreamer.Stream(40, 8, 8, (i, f) =>
        {
            if (i == 17) throw new InvalidDataException("frame 17");
        }, new RecordingSink(), 2));
        Assert.Equal("frame 17", e.Message);
    }

    [Fact]
    public void Stream_StopsWhenCancelled()
    {
        using var cts = new CancellationTokenSource();
        var sink = new RecordingSink();
        Assert.ThrowsAny<OperationCanceledException>(() =>
            FrameStreamer.Stream(1000, 8, 8, (i, f) => { if (i == 10) cts.Cancel(); }, sink, 2, null, cts.Token));
        Assert.True(sink.FirstBytes.Count < 1000);
    }

    [Theory]
    [InlineData(512, 512, 2, 4)]     // every core busy twice over
    [InlineData(1920, 1080, 2, 4)]   // the full batch still fits the budget
    [InlineData(3840, 2160, 2, 1)]   // one 4K frame a batch: two would take 116 MB
    [InlineData(7680, 4320, 2, 1)]   // never none
    public void BatchSize_KeepsTheCoresBusy_WithinTheFrameMemoryBudget(int width, int height, int parallelism, int expected)
    {
        var prepared = width * height * 3 / 2; // yuv420p
        var batch = FrameStreamer.BatchSize(width, height, prepared, parallelism);
        Assert.Equal(expected, batch);
        if (batch > 1)
            Assert.True(FrameStreamer.MemoryInFlight((long)width * height * Frame.BytesPerPixel, prepared, batch, parallelism) <= FrameStreamer.FrameMemoryBudgetBytes);
    }

    [Theory]
    [InlineData(2)]
    [InlineData(4)]
    public void Stream_DrawsIntoAtMostOneFrameACore_AndPreparesEachFrameWhole(int parallelism)
    {
        // Frames drawn over a background in a changing region: each thread keeps its drawing frame, so
        // a frame's region must be drawn whole every time, and what the sink gets outside it is the background.
        const int width = 16, height = 8;
        using var background = new Frame(width, height);
        background.Pixels.Fill(7);
        var region = new PixelRect(4, 2, 8, 4);
        var frames = new System.Collections.Concurrent.ConcurrentDictionary<Frame, bool>(ReferenceEqualityComparer.Instance);
        var sink = new WholeFrameSink(width * height * Frame.BytesPerPixel);
        FrameStreamer.Stream(50, width, height, (i, f) =>
        {
            frames.TryAdd(f, true);
            FillRegion(f, region, (byte)(100 + i));
        }, sink, parallelism, background: background, changing: region);

        Assert.InRange(frames.Count, 1, parallelism);
        AssertRegionDrawnOver(sink, width, height, region, outside: 7);
    }

    [Theory]
    [InlineData(2)]
    [InlineData(4)]
    public void Stream_AppliesOverBackgroundOnceAFrameBuffer_AndTakesTheCallersBufferFirst(int parallelism)
    {
        // The background is the unstamped portrait; each new frame buffer is stamped whole once (here:
        // +1 on every byte, so a buffer stamped twice shows 9, one never stamped 7). The caller's own
        // first buffer, stamped and drawn into ahead, is taken before any is made and left to the caller.
        const int width = 16, height = 8;
        using var background = new Frame(width, height);
        background.Pixels.Fill(7);
        var region = new PixelRect(4, 2, 8, 4);
        void Stamp(Frame f)
        {
            foreach (ref var b in f.Pixels) b++;
        }

        using var first = FrameStreamer.FromBackground(background, Stamp);
        FillRegion(first, region, 42); // a face nobody sees

        var drawnInto = new System.Collections.Concurrent.ConcurrentDictionary<Frame, bool>(ReferenceEqualityComparer.Instance);
        var stamped = 0;
        var sink = new WholeFrameSink(width * height * Frame.BytesPerPixel);
        FrameStreamer.Stream(50, width, height, (i, f) =>
        {
            drawnInto.TryAdd(f, true);
            FillRegion(f, region, (byte)(100 + i));
        }, sink, parallelism, background: background, changing: region, overBackground: f =>
        {
            Interlocked.Increment(ref stamped);
            Stamp(f);
        }, firstDrawing: first);

        Assert.Contains(first, (IEnumerable<Frame>)drawnInto.Keys);
        Assert.Equal(drawnInto.Count - 1, stamped);
        Assert.InRange(drawnInto.Count, 1, parallelism);
        Assert.Equal(8, first.Pixels[0]); // not disposed: still the caller's
        Assert.All(background.Pixels.ToArray(), b => Assert.Equal(7, b));
        AssertRegionDrawnOver(sink, width, height, region, outside: 8);
    }

    private static void FillRegion(Frame frame, PixelRect region, byte value)
    {
        for (var y = region.Y; y < region.Bottom; y++) frame.GetRowSpan(y).Slice(region.X * 4, region.Width * 4).Fill(value);
    }

    /// <summary>Frame i of the sink holds 100 + i inside <paramref name="region"/> and <paramref name="outside"/> everywhere else.</summary>
    private static void AssertRegionDrawnOver(WholeFrameSink sink, int width, int height, PixelRect region, byte outside)
    {
        Assert.Equal(50, sink.Frames.Count);
        for (var i = 0; i < sink.Frames.Count; i++)
        {
            var pixels = sink.Frames[i];
            for (var y = 0; y < height; y++)
                for (var x = 0; x < width; x++)
                {
                    var inside = x >= region.X && x < region.Right && y >= region.Y && y < region.Bottom;
                    Assert.Equal(inside ? (byte)(100 + i) : outside, pixels[((y * width) + x) * 4]);
                }
        }
    }

    /// <summary>Prepares a frame as a copy of its RGBA bytes where they changed (the first time: all of them).</summary>
    private sealed class WholeFrameSink(int length) : IFrameSink
    {
        public List<byte[]> Frames { get; } = [];
        public int PreparedLength => length;
        public void Prepare(Frame frame, Span<byte> prepared, PixelRect changed)
        {
            for (var y = changed.Y; y < changed.Bottom; y++)
                frame.GetRowSpan(y).Slice(changed.X * 4, changed.Width * 4).CopyTo(prepared[(((y * frame.Width) + changed.X) * 4)..]);
        }

        public void WritePrepared(ReadOnlySpan<byte> prepared) => Frames.Add(prepared.ToArray());
        public void Complete() { }
        public void Dispose() { }
    }
}
