using Parla.Audio.Phonemes;
using Parla.Motion;

namespace Parla.Pipeline;

/// <summary>
/// The motion as the renderer takes it, frame by frame: all at once for a track computed whole,
/// or as English phones are decoded, so that the first frames are drawn while the rest of the
/// voice is still being decoded. A frame not known yet is waited for.
/// </summary>
internal sealed class MotionFeed : IMotionFeed
{
    private readonly object _gate = new();
    private readonly FaceState[] _frames;
    private readonly CancellationTokenSource? _stop;
    private readonly Task? _feeding;
    private readonly PhonemeDecoding? _decoding;
    private MotionTrack? _track;
    private int _ready;
    private Exception? _failure;

    /// <summary>What moves the mouth and why, one phrase (<see cref="AnimateResult.Mouth"/>).</summary>
    public string Mouth { get; init; } = "";

    /// <summary>Whether English phones move the mouth (else the sound does).</summary>
    public bool FromPhones => _decoding is not null;

    /// <summary>Whether <c>auto</c> found the voice confidently English (or took it from a chapter before: <see cref="AnimateOptions.EnglishBefore"/>).</summary>
    public bool FoundEnglish { get; init; }

    /// <summary>A track known whole.</summary>
    public MotionFeed(MotionTrack track)
    {
        _track = track;
        _frames = track.Frames;
        _ready = _frames.Length;
    }

    /// <summary>
    /// A track whose mouth follows <paramref name="decoding"/>: a background task hands each decoded prefix to
    /// <paramref name="builder"/> (whose mouth asks <paramref name="lips"/>, if any, about its murmurs as it goes),
    /// <see cref="AdvanceStepSeconds"/> of it at a time. The feed owns the decoding and the lips.
    /// </summary>
    public MotionFeed(MotionBuilder builder, PhonemeDecoding decoding, LabialEvidence? lips, CancellationToken ct)
        : this(builder, ct, stop =>
        {
            var pieces = 0;
            var phones = new List<Phone>();
            // The decoded prefix's end (infinite once the voice is decoded whole), and how far the builder has gone.
            var known = 0.0;
            var advanced = 0.0;
            return () =>
            {
                if (advanced >= known)
                {
                    var prefix = decoding.WaitForPrefix(pieces + 1, phones.Count, stop);
                    phones.AddRange(prefix.Phones);
                    pieces = prefix.PieceCount;
                    known = prefix.IsComplete ? double.PositiveInfinity : prefix.EndSeconds;
                }

                advanced = double.IsPositiveInfinity(known) ? known : Math.Min(known, advanced + AdvanceStepSeconds);
                builder.Advance(phones, advanced);
                return double.IsPositiveInfinity(advanced);
            };
        }, () =>
        {
            decoding.Dispose();
            lips?.Dispose();
        })
    {
        _decoding = decoding;
    }

    /// <summary>
    /// An acoustic track whose murmurs <paramref name="lips"/> hears behind the renderer, in time order,
    /// <see cref="MurmursPerStep"/> at a time (<see cref="MotionBuilder.HearLips"/>). The feed owns <paramref name="lips"/>.
    /// </summary>
    public MotionFeed(MotionBuilder builder, LabialEvidence lips, CancellationToken ct)
        : this(builder, ct, stop => () =>
        {
            stop.ThrowIfCancellationRequested();
            builder.HearLips(lips.LabialFrames, MurmursPerStep);
            return builder.LipsUnheard == 0;
        }, lips.Dispose)
    {
    }

    /// <summary>A track that <paramref name="builder"/> completes on a background task, one step of <paramref name="stepWith"/>'s (given the feed's stop token) at a time; then <paramref name="release"/>.</summary>
    private MotionFeed(MotionBuilder builder, CancellationToken ct, Func<CancellationToken, Func<bool>> stepWith, Action release)
    {
        _frames = builder.Frames;
        _ready = builder.FramesReady;
        _stop = CancellationTokenSource.CreateLinkedTokenSource(ct);
        var step = stepWith(_stop.Token);
        _feeding = Task.Factory.StartNew(() => Feed(builder, step, release), CancellationToken.None,
            TaskCreationOptions.LongRunning, TaskScheduler.Default);
    }

    /// <summary>
    /// Voice a step of the English track takes in, at most: the frames are published after each step,
    /// and the first frames wait only for theirs. Taken whole, the language decision's prefix (about
    /// five seconds) held the first frame back by 27–48 ms of murmurs heard (60-s read, 512²).
    /// </summary>
    private const double AdvanceStepSeconds = 1;

    /// <summary>Murmurs heard a step: about five seconds of speech, enough to keep both cores busy.</summary>
    private const int MurmursPerStep = 32;

    /// <summary>Frame <paramref name="index"/>, once it is known.</summary>
    public FaceState Frame(int index, CancellationToken ct = default)
    {
        if (index >= Volatile.Read(ref _ready))
        {
            Waiting.Until(_gate, () =>
            {
                if (index < _ready) return true;
                if (_failure is not null) System.Runtime.ExceptionServices.ExceptionDispatchInfo.Capture(_failure).Throw();
                return false;
            }, ct);
        }

        return _frames[index];
    }

    /// <summary>
    /// How many decoders go on once frames are drawn (see <see cref="PhonemeDecoding.SetThreadsAfterPrefix"/>),
    /// and, with <paramref name="waitForTheOthers"/>, waits for the others to free their recognisers,
    /// so that large frames' buffers do not come on top of them (a thread stops between pieces: after
    /// the language decision's prefix at once, but where <c>auto</c> had to look past the prefix for
    /// words, after the piece it is decoding); nothing for a track known whole.
    /// </summary>
    public void SetDecodersBesideRenderer(int decoders, bool waitForTheOthers, CancellationToken ct = default)
    {
        if (_decoding is null) return;
        _decoding.SetThreadsAfterPrefix(decoders);
        if (waitForTheOthers) _decoding.WaitForThreadsAtMost(decoders, ct);
    }

    /// <summary>The whole track, once every frame is known.</summary>
    public MotionTrack Complete()
    {
        _feeding?.GetAwaiter().GetResult();
        if (_failure is not null) System.Runtime.ExceptionServices.ExceptionDispatchInfo.Capture(_failure).Throw();
        return _track!;
    }

    /// <summary>Stops the decoding (if still under way) and waits for it to let go of its recognisers.</summary>
    public void Dispose()
    {
        if (_stop is null) return;
        _stop.Cancel();
        try
        {
            _feeding!.GetAwaiter().GetResult();
        }
        catch (Exception)
        {
            // The feed's failure was reported where a frame or the track was asked for.
        }

        _stop.Dispose();
    }

    /// <summary>Runs <paramref name="step"/> (which extends <paramref name="builder"/> and says whether it is complete) until the track is whole, publishing each step's frames; then <paramref name="release"/>.</summary>
    private void Feed(MotionBuilder builder, Func<bool> step, Action release)
    {
        try
        {
            while (true)
            {
                var complete = step();
                if (complete) _track = builder.ToTrack();
                lock (_gate)
                {
                    _ready = builder.FramesReady;
                    Monitor.PulseAll(_gate);
                }

                if (complete) break;
            }
        }
        catch (Exception e)
        {
            lock (_gate)
            {
                _failure = e;
                Monitor.PulseAll(_gate);
            }
        }
        finally
        {
            release();
        }
    }
}
