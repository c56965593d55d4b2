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
    [InlineData(3840, 2160, 2, 1)]   // one 4K frame a batch: four would take 180 MB
    [InlineData(7680, 4320, 2, 1)]   // never none
    public void BatchSize_KeepsTheCoresBusy_WithinTheFrameMemoryBudget(int width, int height, int parallelism, int expected)
    {
        var prepared = width * height * 3 / 2; // yuv420p
        var batch = FrameStreamer.BatchSize(width, height, prepared, parallelism);
        Assert.Equal(expected, batch);
        if (batch > 1)
            Assert.True(2L * batch * ((width * height * Frame.BytesPerPixel) + prepared) <= FrameStreamer.FrameMemoryBudgetBytes);
    }
}
