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
}
