using Parla.Media;
using Parla.Motion;
using Parla.Pipeline;

namespace Parla.Tests.Pipeline;

public sealed class VoiceChaptersTests
{
    [Theory]
    [InlineData(1)]
    [InlineData(7_499)]
    [InlineData(7_500)]
    public void AVoiceUpToAChapterLong_IsOneChapter(int frames)
    {
        Assert.Equal([new Chapter(0, frames)], VoiceChapters.Plan(frames, 25));
    }

    [Theory]
    [InlineData(7_501, 25)]
    [InlineData(90_000, 25)]
    [InlineData(100_123, 30)]
    public void ALongerVoice_IsChaptersThatTileIt_NeighboursSharingASecond(int frames, double fps)
    {
        var chapters = VoiceChapters.Plan(frames, fps);
        var length = (int)(VoiceChapters.ChapterSeconds * fps);
        Assert.Equal((frames + length - 1) / length, chapters.Length);
        Assert.Equal(0, chapters[0].FirstFrame);
        Assert.Equal(frames, chapters[^1].EndFrame);
        for (var k = 0; k < chapters.Length; k++)
        {
            Assert.True(chapters[k].FrameCount <= length + (k == 0 ? 0 : (int)fps), $"chapter {k} is longer than a chapter and the second it shares");
            if (k == 0) continue;
            Assert.Equal(k * length, chapters[k - 1].EndFrame);
            Assert.Equal((int)fps, chapters[k - 1].EndFrame - chapters[k].FirstFrame);
        }
    }

    [Fact]
    public void AChaptersVoice_IsTheSamplesItsFramesSpan()
    {
        var samples = new short[16_000 * 50];
        for (var i = 0; i < samples.Length; i++) samples[i] = (short)(i % 30_000);
        using var voice = new AudioClip(samples, 16_000);
        var chapters = VoiceChapters.Plan(1250, 25, chapterSeconds: 20);
        Assert.Equal(3, chapters.Length);
        using var second = chapters[1].SliceOf(voice, 25, 1250);
        Assert.Equal(21 * 16_000, second.Length); // frames 475–1000: a second before the first chapter ends, to the second's end
        var read = second.ToPcm16();
        Assert.Equal(samples.AsSpan(19 * 16_000, 21 * 16_000).ToArray(), read);
        using var last = chapters[2].SliceOf(voice, 25, 1250);
        Assert.Equal(samples.AsSpan(39 * 16_000).ToArray(), last.ToPcm16());
        Assert.Equal(VoiceChapters.FirstChapterSamples(25, 16_000, 20), chapters[0].SliceOf(voice, 25, 1250).Length);
    }

    [Fact]
    public void Between_MovesEveryValue_AndTheLidsTakeTheMoreClosed()
    {
        var properties = typeof(FaceState).GetProperties().Where(p => p.CanWrite).ToArray();
        Assert.All(properties, p => Assert.Equal(typeof(float), p.PropertyType));
        object from = new FaceState();
        object to = new FaceState();
        for (var i = 0; i < properties.Length; i++)
        {
            properties[i].SetValue(from, (float)i);
            properties[i].SetValue(to, (float)i + 4);
        }

        object between = FaceState.Between((FaceState)from, (FaceState)to, 0.25f);
        object back = FaceState.Between((FaceState)to, (FaceState)from, 0.25f);
        foreach (var (p, i) in properties.Select((p, i) => (p, i)))
        {
            var lid = p.Name.StartsWith("Blink", StringComparison.Ordinal);
            Assert.Equal(lid ? i + 4f : i + 1f, (float)p.GetValue(between)!);
            Assert.Equal(lid ? i + 4f : i + 3f, (float)p.GetValue(back)!);
        }
    }

    [Fact]
    public void Frames_PassFromChapterToChapter_AndNoMoreThanTwoChaptersAreHeldAtOnce()
    {
        // Chapter k's face has its jaw at k and its lids shut only in chapter 1: the shared frames pass
        // from one jaw to the next, and the lids close in all of chapter 1's frames, shared or not.
        var chapters = VoiceChapters.Plan(250, 25, chapterSeconds: 2);
        Assert.Equal(5, chapters.Length);
        var held = new HashSet<int>();
        var mostHeld = 0;
        (MotionFeed, IDisposable?) Make(int k)
        {
            lock (held)
            {
                held.Add(k);
                mostHeld = Math.Max(mostHeld, held.Count);
            }

            var frames = Enumerable.Repeat(new FaceState { JawOpen = k, BlinkLeft = k == 1 ? 1 : 0 }, chapters[k].FrameCount).ToArray();
            return (new MotionFeed(new MotionTrack(25, frames)), new Released(() => { lock (held) held.Remove(k); }));
        }

        using var feed = new ChapteredFeed(chapters, 25, Make(0), (k, _, _) => Make(k), CancellationToken.None);
        var seen = Enumerable.Range(0, 250).Select(i => feed.Frame(i)).ToArray();
        Assert.Equal(seen, feed.Complete().Frames);
        Assert.Equal(2, mostHeld);
        for (var k = 1; k < chapters.Length; k++)
        {
            var shared = Enumerable.Range(chapters[k].FirstFrame, chapters[k - 1].EndFrame - chapters[k].FirstFrame).ToArray();
            Assert.Equal(25, shared.Length);
            Assert.Equal(k - 1, seen[shared[0] - 1].JawOpen);
            Assert.InRange(seen[shared[0]].JawOpen, k - 1 + 0.01f, k - 1 + 0.03f);
            Assert.True(shared.Zip(shared.Skip(1)).All(p => seen[p.First].JawOpen < seen[p.Second].JawOpen), "the jaw passes steadily");
            Assert.InRange(seen[shared[^1]].JawOpen, k - 0.03f, k - 0.01f);
            Assert.Equal(k, seen[chapters[k - 1].EndFrame].JawOpen);
        }

        Assert.All(Enumerable.Range(chapters[1].FirstFrame, chapters[1].FrameCount), i => Assert.Equal(1, seen[i].BlinkLeft));
        Assert.Equal(0, seen[chapters[1].FirstFrame - 1].BlinkLeft);
        Assert.Equal(0, seen[chapters[1].EndFrame].BlinkLeft);
    }

    [Fact]
    public void AChapterThatFails_FailsTheFramesThatNeedIt()
    {
        var chapters = VoiceChapters.Plan(100, 25, chapterSeconds: 2);
        (MotionFeed, IDisposable?) First() => (new MotionFeed(new MotionTrack(25, new FaceState[chapters[0].FrameCount])), null);
        using var feed = new ChapteredFeed(chapters, 25, First(), (k, _, _) => throw new InvalidDataException($"chapter {k}"), CancellationToken.None);
        for (var i = 0; i < chapters[1].FirstFrame; i++) feed.Frame(i);
        var failure = Assert.Throws<InvalidDataException>(() => feed.Frame(chapters[1].FirstFrame));
        Assert.Equal("chapter 1", failure.Message);
    }

    private sealed class Released(Action action) : IDisposable
    {
        public void Dispose() => action();
    }
}
