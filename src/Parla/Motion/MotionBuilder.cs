using Parla.Audio;
using Parla.Audio.Phonemes;

namespace Parla.Motion;

/// <summary>
/// Builds a <see cref="MotionTrack"/> frame by frame from the start: blinks, gaze, head and an
/// acoustic mouth are known from the features at once; a mouth from phones becomes known as the
/// phones do (<see cref="Advance"/>), so that frames can be drawn while later phones are still
/// being decoded. Every frame comes out exactly as if all the phones had been given at once.
/// </summary>
public sealed class MotionBuilder
{
    private readonly MotionOptions _options;
    private readonly double _featureRate;
    private readonly MouthCurves _mouth;
    private readonly VisemeMouthModel? _visemes;
    private readonly List<Blink> _blinks;
    private readonly HeadModel _head;
    private readonly List<Fixation> _fixations;
    private readonly FaceState[] _frames;
    private readonly LipHearing _lips;
    private int _blinkCursor;
    private int _gazeCursor;

    /// <summary>
    /// Plans a track of <paramref name="frameCount"/> frames; with <paramref name="fromPhones"/> the mouth
    /// waits for <see cref="Advance"/>; with <paramref name="deferLips"/> an acoustic mouth's murmurs wait for
    /// <see cref="HearLips"/> (frames before the first one unheard are final at once).
    /// </summary>
    public MotionBuilder(AudioFeatures features, int frameCount, MotionOptions options, bool fromPhones, bool deferLips = false)
    {
        ArgumentNullException.ThrowIfNull(features);
        ArgumentNullException.ThrowIfNull(options);
        ArgumentOutOfRangeException.ThrowIfNegative(frameCount);
        options.ThrowIfInvalid();
        _options = options;
        _featureRate = features.FrameRateHz;
        var duration = frameCount / options.FramesPerSecond;

        // Each model draws from its own generator, so changing one (say, the blink rate) leaves
        // the others' random choices as they were.
        if (fromPhones)
        {
            _visemes = new VisemeMouthModel(features, options);
            _mouth = _visemes.Curves;
        }
        else
        {
            _mouth = MouthModel.Compute(features, options, deferLips);
        }

        _lips = new LipHearing(_mouth, _featureRate);

        _blinks = BlinkModel.Schedule(features, duration, options, new Random(MotionGenerator.DeriveSeed(options.Seed, 1)));
        _head = HeadModel.Create(features, options, new Random(MotionGenerator.DeriveSeed(options.Seed, 2)));
        _fixations = GazeModel.Schedule(duration, options, new Random(MotionGenerator.DeriveSeed(options.Seed, 3)));
        _frames = new FaceState[frameCount];
        if (_visemes is null)
        {
            Extend(_lips.FramesFinal);
        }
    }

    /// <summary>Murmurs of an acoustic mouth still to be heard (<see cref="HearLips"/>).</summary>
    public int LipsUnheard => _lips.Unheard;

    /// <summary>
    /// Asks <paramref name="labialFrames"/> about the next <paramref name="count"/> murmurs still unheard
    /// (as <see cref="MotionOptions.LabialFrames"/>), presses the lips where it hears them, and makes final
    /// every frame no murmur still unheard can touch.
    /// </summary>
    public void HearLips(Func<IReadOnlyList<(int From, int To)>, int[]> labialFrames, int count)
    {
        ArgumentNullException.ThrowIfNull(labialFrames);
        _lips.Hear(labialFrames, count);
        Extend(_lips.FramesFinal);
    }

    /// <summary>Frames from the start that are final.</summary>
    public int FramesReady { get; private set; }

    /// <summary>The frames; those before <see cref="FramesReady"/> are final.</summary>
    public FaceState[] Frames => _frames;

    /// <summary>
    /// Takes the phones decoded so far — they tile the voice from 0 to <paramref name="knownUntilSeconds"/>
    /// (infinity: all of it), each call's list extending the last's — and makes final every frame they decide.
    /// </summary>
    public void Advance(IReadOnlyList<Phone> phones, double knownUntilSeconds)
    {
        ArgumentNullException.ThrowIfNull(phones);
        if (_visemes is null) throw new InvalidOperationException("This track's mouth is acoustic: it takes no phones.");
        _visemes.Advance(phones, knownUntilSeconds);
        Extend(_visemes.FramesDone);
    }

    /// <summary>The whole track; every frame must be final.</summary>
    public MotionTrack ToTrack()
    {
        if (FramesReady < _frames.Length) throw new InvalidOperationException($"Only {FramesReady} of {_frames.Length} frames are known.");
        return new MotionTrack(_options.FramesPerSecond, _frames);
    }

    /// <summary>Composes the frames whose mouth sample falls inside the first <paramref name="mouthFramesDone"/> mouth frames.</summary>
    private void Extend(int mouthFramesDone)
    {
        var fps = _options.FramesPerSecond;
        var complete = mouthFramesDone >= _mouth.JawOpen.Length;
        var k = FramesReady;
        for (; k < _frames.Length; k++)
        {
            var t = k / fps;
            var mouthIndex = (t + _options.MouthLeadSeconds) * _featureRate;
            // Sampling interpolates between two mouth frames: both must be final.
            if (!complete && mouthIndex >= 0 && (int)mouthIndex + 1 >= mouthFramesDone)
            {
                break;
            }

            var pose = _head.At(t);
            var (gazeX, gazeY) = GazeModel.At(_fixations, t, ref _gazeCursor);
            var blink = BlinkAt(_blinks, t, ref _blinkCursor);
            _frames[k] = new FaceState
            {
                JawOpen = MotionGenerator.Sample(_mouth.JawOpen, mouthIndex),
                LipRound = MotionGenerator.Sample(_mouth.LipRound, mouthIndex),
                LipWidth = MotionGenerator.Sample(_mouth.LipWidth, mouthIndex),
                LipPress = MotionGenerator.Sample(_mouth.LipPress, mouthIndex),
                BlinkLeft = blink,
                BlinkRight = blink,
                BrowRaise = pose.BrowRaise,
                HeadYawDegrees = pose.YawDegrees,
                HeadPitchDegrees = pose.PitchDegrees,
                HeadRollDegrees = pose.RollDegrees,
                HeadShiftX = pose.ShiftX,
                HeadShiftY = pose.ShiftY,
                GazeX = gazeX,
                GazeY = gazeY,
            };
        }

        FramesReady = k;
    }

    private static float BlinkAt(List<Blink> blinks, double t, ref int cursor)
    {
        while (cursor < blinks.Count && blinks[cursor].EndSeconds <= t)
        {
            cursor++;
        }

        var closure = 0f;
        for (var i = cursor; i < blinks.Count && blinks[i].StartSeconds < t; i++)
        {
            closure = Math.Max(closure, blinks[i].ClosureAt(t));
        }

        return closure;
    }
}
