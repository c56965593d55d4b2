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
    [InlineData(9_000, 25)]
    [InlineData(90_000, 25)]
    [InlineData(100_123, 30)]
    public void ALongerVoice_IsAMinuteThenChaptersThatTileIt_NeighboursSharingASecond(int frames, double fps)
    {
        var chapters = VoiceChapters.Plan(frames, fps);
        var first = (int)(VoiceChapters.FirstChapterSeconds * fps);
        var length = (int)(VoiceChapters.ChapterSeconds * fps);
        Assert.Equal(1 + ((frames - first + length - 1) / length), chapters.Length);
        Assert.Equal(new Chapter(0, first), chapters[0]);
        Assert.Equal(frames, chapters[^1].EndFrame);
        for (var k = 1; k < chapters.Length; k++)
        {
            Assert.True(chapters[k].FrameCount <= length + (int)fps, $"chapter {k} is longer than a chapter and the second it shares");
            Assert.Equal(first + ((k - 1) * length), chapters[k - 1].EndFrame);
            Assert.Equal((int)fps, chapters[k - 1].EndFrame - chapters[k].FirstFrame);
        }
    }

    [Fact]
    public void AVoiceHeardAsLong_IsInChapters_IfLongerThanItsFirst()
    {
        var lengths = VoiceChapters.Lengths(25);
        Assert.Equal([new Chapter(0, 1500), new Chapter(1475, 6000)], VoiceChapters.Plan(6000, lengths, heardAsLong: true));
        Assert.Equal([new Chapter(0, 6000)], VoiceChapters.Plan(6000, lengths));
        Assert.Equal([new Chapter(0, 1500)], VoiceChapters.Plan(1500, lengths, heardAsLong: true));
    }

    [Fact]
    public void ChaptersShorterThanAMinute_AreAllAsLong()
    {
        var chapters = VoiceChapters.Plan(1_000, 25, chapterSeconds: 8);
        Assert.Equal(5, chapters.Length);
        Assert.Equal([new Chapter(0, 200), new Chapter(175, 400), new Chapter(375, 600), new Chapter(575, 800), new Chapter(775, 1000)], chapters);
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
        Assert.Equal(VoiceChapters.FirstChapterSamples(VoiceChapters.Lengths(25, 20), 25, 16_000), chapters[0].SliceOf(voice, 25, 1250).Length);
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

    [Fact]
    public async Task TheFirstChaptersOwnFrames_AreGivenBeforeTheVoicesLengthIsKnown()
    {
        // The plan waits for the voice's length (a voice still decoding): the first chapter's frames that
        // no other chapter shares are drawn before it; the next frame waits for it.
        var lengths = VoiceChapters.Lengths(25, chapterSeconds: 4, firstChapterSeconds: 2);
        using var decoded = new ManualResetEventSlim();
        (MotionFeed, IDisposable?) Make(Chapter chapter, int k) =>
            (new MotionFeed(new MotionTrack(25, Enumerable.Repeat(new FaceState { JawOpen = k }, chapter.FrameCount).ToArray())), null);
        using var feed = new ChapteredFeed(lengths.FirstChapter, lengths.FirstAlone, 25, Make(lengths.FirstChapter, 0), stop =>
        {
            decoded.Wait(stop);
            return VoiceChapters.Plan(230, lengths, heardAsLong: true);
        }, (k, chapter, _, _) => Make(chapter, k), CancellationToken.None)
        {
            DescribeMouth = count => $"{count} chapters",
        };
        Assert.Equal("0 chapters", feed.Mouth);
        var seen = Enumerable.Range(0, lengths.FirstAlone).Select(i => feed.Frame(i)).ToList();
        var next = Task.Run(() => feed.Frame(lengths.FirstAlone));
        Assert.NotSame(next, await Task.WhenAny(next, Task.Delay(200)));
        decoded.Set();
        seen.Add(await next);
        seen.AddRange(Enumerable.Range(lengths.FirstAlone + 1, 230 - lengths.FirstAlone - 1).Select(i => feed.Frame(i)));
        Assert.Equal(seen, feed.Complete().Frames);
        Assert.Equal("3 chapters", feed.Mouth);
        Assert.Equal([0f, 0f, 2f], new[] { seen[0], seen[lengths.FirstAlone - 1], seen[^1] }.Select(f => f.JawOpen));
        Assert.InRange(seen[lengths.FirstAlone].JawOpen, 0.01f, 0.99f);
    }

    [Fact]
    public void TheTrack_AskedForBeforeEveryFrameIsDrawn_IsRefused_NotWaitedFor()
    {
        // The chapter after the one being drawn waits for that one to be let go, which it never is.
        var chapters = VoiceChapters.Plan(250, 25, chapterSeconds: 2);
        (MotionFeed, IDisposable?) Make(int k) => (new MotionFeed(new MotionTrack(25, new FaceState[chapters[k].FrameCount])), null);
        using var feed = new ChapteredFeed(chapters, 25, Make(0), (k, _, _) => Make(k), CancellationToken.None);
        for (var i = 0; i < chapters[1].EndFrame; i++) feed.Frame(i);
        var refused = Assert.Throws<InvalidOperationException>(() => feed.Complete());
        Assert.Equal("Chapter 3's frames have not all been drawn.", refused.Message);
    }

    [Fact]
    public void AVoiceWhoseLengthCannotBeKnown_FailsTheFramesPastItsFirstChapter()
    {
        var lengths = VoiceChapters.Lengths(25, chapterSeconds: 4, firstChapterSeconds: 2);
        var first = (new MotionFeed(new MotionTrack(25, new FaceState[lengths.First])), (IDisposable?)null);
        using var feed = new ChapteredFeed(lengths.FirstChapter, lengths.FirstAlone, 25, first, _ => throw new InvalidDataException("the voice's decoding failed"),
            (_, _, _, _) => throw new InvalidOperationException("no chapter is prepared"), CancellationToken.None);
        for (var i = 0; i < lengths.FirstAlone; i++) feed.Frame(i);
        Assert.Equal("the voice's decoding failed", Assert.Throws<InvalidDataException>(() => feed.Frame(lengths.FirstAlone)).Message);
        Assert.Throws<InvalidDataException>(() => feed.Complete());
    }

    private sealed class Released(Action action) : IDisposable
    {
        public void Dispose() => action();
    }
}
