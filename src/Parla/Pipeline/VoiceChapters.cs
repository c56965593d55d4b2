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
/// How a long voice is cut (<see cref="VoiceChapters"/>): a first chapter of <paramref name="First"/>
/// frames, then chapters of <paramref name="Rest"/>, neighbours sharing <paramref name="Overlap"/>; a
/// voice of up to <paramref name="Rest"/> frames is one chapter.
/// </summary>
internal readonly record struct ChapterLengths(int First, int Rest, int Overlap)
{
    /// <summary>The first chapter of a voice longer than one.</summary>
    public Chapter FirstChapter => new(0, First);

    /// <summary>Frames of the first chapter that no other chapter shares: known before the voice's length is.</summary>
    public int FirstAlone => First - Overlap;
}

/// <summary>
/// A long voice is heard in chapters, each as a voice of its own (its features, its statistics, its
/// phones, its motion), one after the other behind the renderer, so that neither the memory nor the
/// wait for the first frame grows with the voice's length: what a voice's motion holds (its features
/// and tracks at 100 frames a second, its phones) grows by about 1 MB a minute, and its features come
/// before the first frame. The first chapter is short (<see cref="FirstChapterSeconds"/>), the others
/// <see cref="ChapterSeconds"/> long; neighbouring chapters share <see cref="OverlapSeconds"/> of frames,
/// in which the motion passes from one to the next. A voice of up to <see cref="ChapterSeconds"/> is one
/// chapter: moved exactly as before there were chapters.
/// </summary>
internal static class VoiceChapters
{
    /// <summary>
    /// A chapter's length after the first: five minutes. Two chapters alive at once (the one drawn and
    /// the next, prepared while the last frames of the one before are drawn) hold about what ten minutes
    /// did heard whole; each seam costs the next chapter's start beside the frames (its noise check,
    /// features and first pieces; the recognisers go on from the chapter before).
    /// </summary>
    public const double ChapterSeconds = 300;

    /// <summary>
    /// The first chapter's length: a minute. The first frame waits for the first chapter (its decoding,
    /// its features, its statistics), so a long voice starts as a minute of voice does.
    /// </summary>
    public const double FirstChapterSeconds = 60;

    /// <summary>Frames shared by neighbouring chapters, in which the motion passes from one to the next.</summary>
    public const double OverlapSeconds = 1;

    /// <summary>The chapters' lengths in frames at <paramref name="framesPerSecond"/> (the first no longer than the others).</summary>
    public static ChapterLengths Lengths(double framesPerSecond, double chapterSeconds = ChapterSeconds, double firstChapterSeconds = FirstChapterSeconds)
    {
        var rest = ChapterFrames(framesPerSecond, chapterSeconds);
        var first = Math.Min(rest, ChapterFrames(framesPerSecond, firstChapterSeconds));
        return new ChapterLengths(first, rest, Math.Clamp((int)Math.Round(OverlapSeconds * framesPerSecond), 1, first / 2));
    }

    /// <summary>
    /// The chapters of a video of <paramref name="frameCount"/> frames: one if it lasts at most a chapter
    /// after the first, unless the voice was taken for a long one before its length was known
    /// (<paramref name="heardAsLong"/>: its first chapter heard while it decoded) and is longer than the first.
    /// </summary>
    public static Chapter[] Plan(int frameCount, ChapterLengths lengths, bool heardAsLong = false)
    {
        if (frameCount <= (heardAsLong ? lengths.First : lengths.Rest)) return [new Chapter(0, frameCount)];
        var chapters = new Chapter[1 + (((frameCount - lengths.First) + lengths.Rest - 1) / lengths.Rest)];
        chapters[0] = lengths.FirstChapter;
        for (var k = 1; k < chapters.Length; k++)
        {
            var end = lengths.First + ((long)k * lengths.Rest);
            chapters[k] = new Chapter((int)(end - lengths.Rest - lengths.Overlap), (int)Math.Min(frameCount, end));
        }

        return chapters;
    }

    /// <inheritdoc cref="Plan(int, ChapterLengths, bool)"/>
    public static Chapter[] Plan(int frameCount, double framesPerSecond, double chapterSeconds = ChapterSeconds, double firstChapterSeconds = FirstChapterSeconds) =>
        Plan(frameCount, Lengths(framesPerSecond, chapterSeconds, firstChapterSeconds));

    /// <summary>The samples a voice at <paramref name="sampleRateHz"/> needs to be heard in chapters: more than a chapter after the first (<see cref="Plan(int, ChapterLengths, bool)"/>) and a second.</summary>
    public static long ChapteredFrom(ChapterLengths lengths, double framesPerSecond, int sampleRateHz) =>
        SampleAt(lengths.Rest, framesPerSecond, sampleRateHz) + (long)sampleRateHz;

    /// <summary>Samples of the first chapter of a voice longer than one (its first <see cref="ChapterLengths.First"/> frames).</summary>
    public static int FirstChapterSamples(ChapterLengths lengths, double framesPerSecond, int sampleRateHz) =>
        SampleAt(lengths.First, framesPerSecond, sampleRateHz);

    public static int ChapterFrames(double framesPerSecond, double chapterSeconds) =>
        Math.Max(2, (int)Math.Round(chapterSeconds * framesPerSecond));

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
/// lids take the more closed of the two, so a blink in either is a whole blink. The chapters after the
/// first need the voice's length, which may come later (a compressed voice still decoding): the first
/// chapter's own frames are given before it.
/// </summary>
internal sealed class ChapteredFeed : IMotionFeed
{
    private readonly object _gate = new();
    private readonly ChapterState _first;
    private readonly int _firstAlone;
    private readonly double _framesPerSecond;
    private readonly CancellationTokenSource _stop;
    private readonly Task _preparing;
    private ChapterState[]? _chapters;
    private readonly IDisposable? _shared;
    private int _decodersBeside = -1;
    private Exception? _failure;

    /// <param name="firstChapter">The first chapter (<see cref="ChapterLengths.FirstChapter"/>).</param>
    /// <param name="firstAlone">Its frames no other chapter shares (<see cref="ChapterLengths.FirstAlone"/>): known before the plan is.</param>
    /// <param name="framesPerSecond">The video's frame rate.</param>
    /// <param name="first">The first chapter's feed, and what it holds besides (its voice), released with it.</param>
    /// <param name="plan">The chapters (<see cref="VoiceChapters.Plan(int, ChapterLengths, bool)"/>, at least two), asked for on the feed's own thread before the second is prepared; it may wait for the voice's length.</param>
    /// <param name="prepare">Chapter k's feed (k ≥ 1) and what it holds, made on the feed's own thread, given how many phone decoders go on beside the renderer (−1 if not told yet).</param>
    /// <param name="ct">Stops the chapters' preparation.</param>
    /// <param name="shared">What the chapters share (their recognisers), released after the last of them.</param>
    public ChapteredFeed(Chapter firstChapter, int firstAlone, double framesPerSecond, (MotionFeed Feed, IDisposable? Owned) first, Func<CancellationToken, Chapter[]> plan,
        Func<int, Chapter, int, CancellationToken, (MotionFeed Feed, IDisposable? Owned)> prepare, CancellationToken ct, IDisposable? shared = null)
    {
        _shared = shared;
        _first = new ChapterState(firstChapter) { Feed = first.Feed, Owned = first.Owned, Mouth = first.Feed.Mouth, FromPhones = first.Feed.FromPhones };
        _firstAlone = firstAlone;
        _framesPerSecond = framesPerSecond;
        _stop = CancellationTokenSource.CreateLinkedTokenSource(ct);
        _preparing = Task.Factory.StartNew(() => PrepareChapters(plan, prepare), CancellationToken.None, TaskCreationOptions.LongRunning, TaskScheduler.Default);
    }

    /// <summary>A feed of chapters known from the start (<paramref name="chapters"/>, at least two).</summary>
    public ChapteredFeed(Chapter[] chapters, double framesPerSecond, (MotionFeed Feed, IDisposable? Owned) first,
        Func<int, int, CancellationToken, (MotionFeed Feed, IDisposable? Owned)> prepare, CancellationToken ct)
        : this(chapters[0], chapters[1].FirstFrame, framesPerSecond, first, _ => chapters, (k, _, beside, stop) => prepare(k, beside, stop), ct)
    {
    }

    /// <summary>
    /// What moves the mouth: the first chapter's, that the voice is heard in chapters (<see cref="DescribeMouth"/>),
    /// and what moves it in the chapters prepared so far where that is not what moves the first's (phones
    /// or the sound: each chapter is judged noisy or sung on its own).
    /// </summary>
    public string Mouth
    {
        get
        {
            var chapters = Volatile.Read(ref _chapters) ?? [];
            var mouth = DescribeMouth?.Invoke(chapters.Length) ?? "";
            var others = chapters.Skip(1).Select((chapter, k) => (Number: k + 2, chapter.Mouth, chapter.FromPhones))
                .Where(c => c.Mouth is not null && c.FromPhones != _first.FromPhones)
                .GroupBy(c => c.Mouth, c => c.Number);
            foreach (var other in others)
            {
                var numbers = other.ToArray();
                mouth += numbers.Length == 1 ? $"; chapter {numbers[0]} from {other.Key}"
                    : $"; chapters {string.Join(", ", numbers[..^1])} and {numbers[^1]} from {other.Key}";
            }

            return mouth;
        }
    }

    /// <summary>What moves the mouth, given how many chapters there are (0 before the voice's length is known).</summary>
    public Func<int, string>? DescribeMouth { get; init; }

    public FaceState Frame(int index, CancellationToken ct = default)
    {
        // The first chapter's own frames are known before the other chapters are.
        var chapters = index < _firstAlone ? null : Volatile.Read(ref _chapters) ?? Chapters(ct);
        var c = chapters is null ? 0 : chapters.Length - 1;
        while (chapters is not null && chapters[c].Span.FirstFrame > index) c--;
        var here = chapters is null ? _first : chapters[c];
        var state = FromChapter(here, index, ct);
        if (c > 0 && index < chapters![c - 1].Span.EndFrame)
        {
            // Shared with the chapter before: from its face to this one's.
            var shared = chapters[c - 1].Span.EndFrame - here.Span.FirstFrame;
            var weight = (float)((index - here.Span.FirstFrame + 0.5) / shared);
            state = FaceState.Between(FromChapter(chapters[c - 1], index, ct), state, weight);
        }

        here.Track[index - here.Span.FirstFrame] = state;
        return state;
    }

    public void SetDecodersBesideRenderer(int decoders, bool waitForTheOthers, CancellationToken ct = default)
    {
        MotionFeed? first;
        lock (_gate)
        {
            _decodersBeside = decoders;
            first = _first.Feed;
        }

        first?.SetDecodersBesideRenderer(decoders, waitForTheOthers, ct);
    }

    public MotionTrack Complete()
    {
        // Once every frame has been drawn every chapter has been prepared: a preparation still going on
        // waits for frames that will not come.
        if (!_preparing.IsCompleted) _stop.Cancel();
        _preparing.GetAwaiter().GetResult();
        var chapters = Volatile.Read(ref _chapters);
        var missing = chapters is null ? 1 : Array.FindIndex(chapters, c => Volatile.Read(ref c.Asked) < c.Span.FrameCount);
        if (missing >= 0)
        {
            if (_failure is not null && !(_failure is OperationCanceledException && _stop.IsCancellationRequested))
                System.Runtime.ExceptionServices.ExceptionDispatchInfo.Capture(_failure).Throw();
            throw new InvalidOperationException($"Chapter {missing + 1}'s frames have not all been drawn.");
        }

        var track = new FaceState[chapters![^1].Span.EndFrame];
        for (var c = 0; c < chapters.Length; c++)
        {
            var span = chapters[c].Span;
            // A chapter's frames up to the next chapter's first; the frames they share are the next one's.
            var until = c + 1 < chapters.Length ? chapters[c + 1].Span.FirstFrame : span.EndFrame;
            Array.Copy(chapters[c].Track, 0, track, span.FirstFrame, until - span.FirstFrame);
        }

        return new MotionTrack(_framesPerSecond, track);
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

        Release(_first);
        foreach (var chapter in _chapters ?? []) Release(chapter);
        _shared?.Dispose();
        _stop.Dispose();
    }

    /// <summary>The chapters, once the voice's length is known (waiting for it).</summary>
    private ChapterState[] Chapters(CancellationToken ct)
    {
        ChapterState[]? chapters = null;
        Waiting.Until(_gate, () =>
        {
            ThrowIfFailed();
            chapters = _chapters;
            return chapters is not null;
        }, ct);
        return chapters!;
    }

    /// <summary>Throws what failed the chapters' preparation, if anything did (called with the gate held).</summary>
    private void ThrowIfFailed()
    {
        if (_failure is not null) System.Runtime.ExceptionServices.ExceptionDispatchInfo.Capture(_failure).Throw();
    }

    /// <summary>Frame <paramref name="index"/> of the video from <paramref name="chapter"/>'s feed (waiting for it to be prepared); the chapter is let go once its last frame has been asked for.</summary>
    private FaceState FromChapter(ChapterState chapter, int index, CancellationToken ct)
    {
        MotionFeed? feed = null;
        Waiting.Until(_gate, () =>
        {
            feed = chapter.Feed;
            if (feed is not null) return true;
            ThrowIfFailed();
            if (chapter.Released) throw new InvalidOperationException($"The chapter from frame {chapter.Span.FirstFrame} was asked for frame {index} after its last.");
            return false;
        }, ct);

        var state = feed!.Frame(index - chapter.Span.FirstFrame, ct);
        if (Interlocked.Increment(ref chapter.Asked) == chapter.Span.FrameCount) Release(chapter);
        return state;
    }

    /// <summary>The plan, then chapters 1, 2, … in turn: each once the one before is known whole and the one before that let go.</summary>
    private void PrepareChapters(Func<CancellationToken, Chapter[]> plan, Func<int, Chapter, int, CancellationToken, (MotionFeed Feed, IDisposable? Owned)> prepare)
    {
        var stop = _stop.Token;
        try
        {
            var spans = plan(stop);
            if (spans.Length < 2 || spans[0] != _first.Span || spans[1].FirstFrame != _firstAlone)
                throw new InvalidOperationException("The chapters planned do not begin with the first chapter heard.");
            var chapters = spans.Select((span, k) => k == 0 ? _first : new ChapterState(span)).ToArray();
            lock (_gate)
            {
                _chapters = chapters;
                Monitor.PulseAll(_gate);
            }

            for (var k = 1; k < chapters.Length; k++)
            {
                MotionFeed? before = null;
                int decoders;
                Waiting.Until(_gate, () =>
                {
                    before = chapters[k - 1].Feed;
                    return k < 2 || chapters[k - 2].Released;
                }, stop);

                // Its phones decoded, its decoders gone: the next chapter's may load.
                before!.Complete();
                stop.ThrowIfCancellationRequested();
                lock (_gate) decoders = _decodersBeside;
                var (feed, owned) = prepare(k, chapters[k].Span, decoders, stop);
                lock (_gate)
                {
                    chapters[k].Feed = feed;
                    chapters[k].Owned = owned;
                    chapters[k].Mouth = feed.Mouth;
                    chapters[k].FromPhones = feed.FromPhones;
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

    /// <summary>Lets <paramref name="chapter"/> go; only then may the chapter two after it be prepared.</summary>
    private void Release(ChapterState chapter)
    {
        MotionFeed? feed;
        IDisposable? owned;
        lock (_gate)
        {
            feed = chapter.Feed;
            owned = chapter.Owned;
            chapter.Feed = null;
            chapter.Owned = null;
        }

        feed?.Dispose();
        owned?.Dispose();
        lock (_gate)
        {
            chapter.Released = true;
            Monitor.PulseAll(_gate);
        }
    }

    /// <summary>One chapter: its frames, its feed while it is held, how many of its frames have been asked for, and the faces drawn from it.</summary>
    private sealed class ChapterState(Chapter span)
    {
        public Chapter Span { get; } = span;

        public MotionFeed? Feed { get; set; }

        public IDisposable? Owned { get; set; }

        public bool Released { get; set; }

        /// <summary>What moves its mouth (<see cref="MotionFeed.Mouth"/>), once it is prepared.</summary>
        public string? Mouth { get; set; }

        /// <summary>Whether English phones move its mouth (<see cref="MotionFeed.FromPhones"/>).</summary>
        public bool FromPhones { get; set; }

        /// <summary>The video's frames from <see cref="Span"/>'s first on, as drawn (those shared with the next chapter are the next one's).</summary>
        public FaceState[] Track { get; } = new FaceState[span.FrameCount];

        public int Asked;
    }
}
