using Parla.Media;
using Parla.Motion;

namespace Parla.Pipeline;

/// <summary>Video frames <see cref="FirstFrame"/> to <see cref="EndFrame"/> (exclusive) of a voice taken in chapters.</summary>
internal readonly record struct Chapter(int FirstFrame, int EndFrame)
{
    public int FrameCount => EndFrame - FirstFrame;

    /// <summary>The chapter's voice: the samples its frames span (to the voice's end for the last chapter).</summary>
    public AudioClip SliceOf(AudioClip voice, double framesPerSecond, int videoFrames)
    {
        var start = Math.Min(voice.Length, VoiceChapters.SampleAt(FirstFrame, framesPerSecond, voice.SampleRateHz));
        var end = EndFrame >= videoFrames ? voice.Length : Math.Min(voice.Length, VoiceChapters.SampleAt(EndFrame, framesPerSecond, voice.SampleRateHz));
        return voice.Slice(start, end - start);
    }
}

/// <summary>
/// A long voice is heard in chapters of <see cref="ChapterSeconds"/>, each as a voice of its own (its
/// features, its statistics, its phones, its motion), one after the other behind the renderer, so
/// that neither the memory nor the wait for the first frame grows with the voice's length: what a
/// voice's motion holds (its features and tracks at 100 frames a second, its phones) grows by about
/// 1 MB a minute, and its features came before the first frame. Neighbouring chapters share
/// <see cref="OverlapSeconds"/> of frames, in which the motion passes from one to the next. A voice of
/// up to one chapter is one chapter: moved exactly as before there were chapters.
/// </summary>
internal static class VoiceChapters
{
    /// <summary>
    /// A chapter's length: five minutes. The first frame waits for the first chapter's features: ten
    /// minutes of English at 512² reached it after 0.79–0.80 s in chapters of five minutes, 0.93–1.00 s
    /// heard whole, in the same time and memory. Two chapters alive at once (the one drawn and the
    /// next, prepared while the last frames of the one before are drawn) hold about what ten minutes did.
    /// </summary>
    public const double ChapterSeconds = 300;

    /// <summary>Frames shared by neighbouring chapters, in which the motion passes from one to the next.</summary>
    public const double OverlapSeconds = 1;

    /// <summary>The chapters of a video of <paramref name="frameCount"/> frames: one if it lasts at most <paramref name="chapterSeconds"/>.</summary>
    public static Chapter[] Plan(int frameCount, double framesPerSecond, double chapterSeconds = ChapterSeconds)
    {
        var length = ChapterFrames(framesPerSecond, chapterSeconds);
        if (frameCount <= length) return [new Chapter(0, frameCount)];
        var overlap = OverlapFrames(framesPerSecond, length);
        var chapters = new Chapter[(frameCount + length - 1) / length];
        for (var k = 0; k < chapters.Length; k++)
        {
            chapters[k] = new Chapter(k == 0 ? 0 : (k * length) - overlap, Math.Min(frameCount, (k + 1) * length));
        }

        return chapters;
    }

    /// <summary>Samples of the first chapter of a voice longer than one (its first <see cref="ChapterFrames"/> frames).</summary>
    public static int FirstChapterSamples(double framesPerSecond, int sampleRateHz, double chapterSeconds = ChapterSeconds) =>
        SampleAt(ChapterFrames(framesPerSecond, chapterSeconds), framesPerSecond, sampleRateHz);

    public static int ChapterFrames(double framesPerSecond, double chapterSeconds) =>
        Math.Max(2, (int)Math.Round(chapterSeconds * framesPerSecond));

    private static int OverlapFrames(double framesPerSecond, int chapterFrames) =>
        Math.Clamp((int)Math.Round(OverlapSeconds * framesPerSecond), 1, chapterFrames / 2);

    /// <summary>The voice's sample at the start of video frame <paramref name="frame"/>.</summary>
    public static int SampleAt(int frame, double framesPerSecond, int sampleRateHz) =>
        (int)Math.Min(int.MaxValue, Math.Round(frame * (double)sampleRateHz / framesPerSecond));
}

/// <summary>
/// A long voice's motion, chapter by chapter (<see cref="VoiceChapters"/>): the first chapter's feed is
/// given; each next one is prepared on a thread of its own once the chapter before it is known whole
/// (its phones decoded: its decoders have let go of their recognisers) and the one before that has
/// been drawn, so at most two chapters are held. In the frames two chapters share, the face passes
/// from the one to the other: every value moves from the earlier chapter's to the later's, and the
/// lids take the more closed of the two, so a blink in either is a whole blink.
/// </summary>
internal sealed class ChapteredFeed : IMotionFeed
{
    private readonly object _gate = new();
    private readonly Chapter[] _chapters;
    private readonly IDisposable?[] _owned;
    private readonly MotionFeed?[] _feeds;
    private readonly bool[] _released;
    private readonly int[] _asked;
    private readonly FaceState[] _track;
    private readonly double _framesPerSecond;
    private readonly CancellationTokenSource _stop;
    private readonly Task _preparing;
    private int _decodersBeside = -1;
    private Exception? _failure;

    /// <param name="chapters">The chapters (<see cref="VoiceChapters.Plan"/>), at least two.</param>
    /// <param name="framesPerSecond">The video's frame rate.</param>
    /// <param name="first">The first chapter's feed, and what it holds besides (its voice), released with it.</param>
    /// <param name="prepare">Chapter k's feed (k ≥ 1) and what it holds, made on the feed's own thread, given how many phone decoders go on beside the renderer (−1 if not told yet).</param>
    /// <param name="ct">Stops the chapters' preparation.</param>
    public ChapteredFeed(Chapter[] chapters, double framesPerSecond, (MotionFeed Feed, IDisposable? Owned) first,
        Func<int, int, CancellationToken, (MotionFeed Feed, IDisposable? Owned)> prepare, CancellationToken ct)
    {
        _chapters = chapters;
        _framesPerSecond = framesPerSecond;
        _feeds = new MotionFeed?[chapters.Length];
        _owned = new IDisposable?[chapters.Length];
        _released = new bool[chapters.Length];
        _asked = new int[chapters.Length];
        _track = new FaceState[chapters[^1].EndFrame];
        (_feeds[0], _owned[0]) = first;
        _stop = CancellationTokenSource.CreateLinkedTokenSource(ct);
        _preparing = Task.Factory.StartNew(() => PrepareChapters(prepare), CancellationToken.None, TaskCreationOptions.LongRunning, TaskScheduler.Default);
    }

    /// <summary>What moves the mouth: the first chapter's (each chapter decides its own), and that the voice is heard in chapters.</summary>
    public string Mouth { get; init; } = "";

    public FaceState Frame(int index, CancellationToken ct = default)
    {
        var c = _chapters.Length - 1;
        while (_chapters[c].FirstFrame > index) c--;
        var state = FromChapter(c, index, ct);
        if (c > 0 && index < _chapters[c - 1].EndFrame)
        {
            // Shared with the chapter before: from its face to this one's.
            var shared = _chapters[c - 1].EndFrame - _chapters[c].FirstFrame;
            var weight = (float)((index - _chapters[c].FirstFrame + 0.5) / shared);
            state = FaceState.Between(FromChapter(c - 1, index, ct), state, weight);
        }

        _track[index] = state;
        return state;
    }

    public void SetDecodersBesideRenderer(int decoders, bool waitForTheOthers, CancellationToken ct = default)
    {
        MotionFeed? first;
        lock (_gate)
        {
            _decodersBeside = decoders;
            first = _feeds[0];
        }

        first?.SetDecodersBesideRenderer(decoders, waitForTheOthers, ct);
    }

    public MotionTrack Complete()
    {
        _preparing.GetAwaiter().GetResult();
        if (_failure is not null) System.Runtime.ExceptionServices.ExceptionDispatchInfo.Capture(_failure).Throw();
        for (var c = 0; c < _chapters.Length; c++)
        {
            if (Volatile.Read(ref _asked[c]) < _chapters[c].FrameCount) throw new InvalidOperationException($"Chapter {c + 1}'s frames have not all been drawn.");
        }

        return new MotionTrack(_framesPerSecond, _track);
    }

    public void Dispose()
    {
        _stop.Cancel();
        try
        {
            _preparing.GetAwaiter().GetResult();
        }
        catch (Exception)
        {
            // Its failure was reported where a frame or the track was asked for.
        }

        for (var c = 0; c < _chapters.Length; c++) Release(c);
        _stop.Dispose();
    }

    /// <summary>Frame <paramref name="index"/> of the video from chapter <paramref name="c"/>'s feed (waiting for it to be prepared); the chapter is let go once its last frame has been asked for.</summary>
    private FaceState FromChapter(int c, int index, CancellationToken ct)
    {
        MotionFeed feed;
        lock (_gate)
        {
            using var wake = ct.Register(() => { lock (_gate) Monitor.PulseAll(_gate); });
            while (_feeds[c] is null)
            {
                if (_failure is not null) System.Runtime.ExceptionServices.ExceptionDispatchInfo.Capture(_failure).Throw();
                if (_released[c]) throw new InvalidOperationException($"Chapter {c + 1} was asked for frame {index} after its last.");
                ct.ThrowIfCancellationRequested();
                Monitor.Wait(_gate);
            }

            feed = _feeds[c]!;
        }

        var state = feed.Frame(index - _chapters[c].FirstFrame, ct);
        if (Interlocked.Increment(ref _asked[c]) == _chapters[c].FrameCount) Release(c);
        return state;
    }

    /// <summary>Chapters 1, 2, … in turn: each once the one before is known whole and the one before that let go.</summary>
    private void PrepareChapters(Func<int, int, CancellationToken, (MotionFeed Feed, IDisposable? Owned)> prepare)
    {
        var stop = _stop.Token;
        try
        {
            for (var k = 1; k < _chapters.Length; k++)
            {
                MotionFeed before;
                int decoders;
                lock (_gate)
                {
                    using var wake = stop.Register(() => { lock (_gate) Monitor.PulseAll(_gate); });
                    while (k >= 2 && !_released[k - 2])
                    {
                        stop.ThrowIfCancellationRequested();
                        Monitor.Wait(_gate);
                    }

                    before = _feeds[k - 1]!;
                }

                // Its phones decoded, its decoders gone: the next chapter's may load.
                before.Complete();
                stop.ThrowIfCancellationRequested();
                lock (_gate) decoders = _decodersBeside;
                var (feed, owned) = prepare(k, decoders, stop);
                lock (_gate)
                {
                    _feeds[k] = feed;
                    _owned[k] = owned;
                    Monitor.PulseAll(_gate);
                }

                if (decoders > 0) feed.SetDecodersBesideRenderer(decoders, waitForTheOthers: false, stop);
            }
        }
        catch (Exception e)
        {
            lock (_gate)
            {
                _failure ??= e;
                Monitor.PulseAll(_gate);
            }
        }
    }

    /// <summary>Lets chapter <paramref name="c"/> go; only then may the chapter two after it be prepared.</summary>
    private void Release(int c)
    {
        MotionFeed? feed;
        IDisposable? owned;
        lock (_gate)
        {
            feed = _feeds[c];
            owned = _owned[c];
            _feeds[c] = null;
            _owned[c] = null;
        }

        feed?.Dispose();
        owned?.Dispose();
        lock (_gate)
        {
            _released[c] = true;
            Monitor.PulseAll(_gate);
        }
    }
}
