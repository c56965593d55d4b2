using Parla.Audio;
using Parla.Audio.Phonemes;

namespace Parla.Motion;

/// <summary>
/// The mouth from timed phones: each phone's viseme has a target shape (jaw, rounding, spread,
/// press) and a dominance that rises to its full strength inside the phone and decays outside it
/// (Cohen and Massaro, 1993); the mouth at any moment is the dominance-weighted mean of the
/// targets around it, so shapes overlap and anticipate rather than snap. Jaw and lips are blended
/// with separate dominances (a t or a k leaves the lips free to take the next vowel's rounding,
/// as in JALI), and the jaw's amplitude follows the loudness of the voice (JALI's jaw axis: the
/// same words mumbled or shouted). Bilabial closures are then enforced: whatever the blend, the
/// lips meet over every p, b and m.
/// </summary>
internal sealed class VisemeMouthModel
{
    /// <summary>The shape a viseme aims for and how strongly it holds jaw and lips against its neighbours.</summary>
    internal readonly record struct Target(float Jaw, float Round, float Width, float Press, float JawDominance, float LipDominance);

    // Targets at expressiveness 1 (the renderer's units: jaw 1 = wide open). Dominance 1 for shapes the
    // listener must see (vowels, lip closures, f/v), low for consonants made inside the mouth.
    private static readonly Target[] Targets = BuildTargets();

    // Dominance decay outside a phone, seconds (e-folding). Lips anticipate further than they carry
    // over (rounding starts up to ~150 ms before a rounded vowel); the jaw is quicker.
    private const double JawAnticipationSeconds = 0.05;
    private const double JawCarryoverSeconds = 0.04;
    private const double LipAnticipationSeconds = 0.09;
    private const double LipCarryoverSeconds = 0.06;
    private const double ReachSeconds = 0.5;

    // A bilabial closure is held at least this long (so that a 25 fps frame always sees it), with
    // ramps of this length either side.
    private const double MinClosureSeconds = 0.05;
    private const double ClosureRampSeconds = 0.03;
    private const float ClosedJaw = 0.02f;
    private const double VowelEdgeSeconds = 0.04;

    // Voice the decoder left under a silence: a stretch holding at least this much voice, this much
    // of it voiced, with no pause as long as UnheardPauseSeconds in it; the acoustic mouth's ramp
    // into and out of it.
    private const double UnheardVoiceSeconds = 0.1;
    private const double UnheardVoicedSeconds = 0.05;
    private const double UnheardRampSeconds = 0.04;
    private const double UnheardPauseSeconds = 0.2;

    private readonly float[] _loudness;
    private readonly MouthCurves _acoustic;
    private readonly Func<IReadOnlyList<(int From, int To)>, int[]>? _labialFrames;
    private readonly LipHearing _lips;
    private readonly AudioFeatures _features;
    private readonly List<(int First, int End)> _unheard = [];
    private int _unheardCursor;
    private readonly double _jawScale;
    private readonly float _jawGain;
    private readonly float _lipGain;
    private readonly float _smileOffset;
    private readonly double _rate;
    private readonly List<(Viseme Viseme, double Start, double End)> _segments = [];
    private int _phonesTaken;
    private int _first;
    private int _firstClosure;
    private int _vowelCursor;
    private readonly List<(double Start, double End)> _vowels = [];
    private readonly List<(double Start, double End)> _nasals = [];
    private int _nasalCursor;
    private readonly List<(double Start, double End)> _dentals = [];
    private int _dentalCursor;
    // The run of the sound's labial press the last frame belonged to (its last frame), and whether it closes the lips.
    private int _labialRunLast = -1;
    private bool _labialRunCloses;

    /// <summary>
    /// A mouth to be computed from phones known from the start of the clip up to some time, in order
    /// (<see cref="Advance"/>): every feature frame is computed once, when all the phones that can reach
    /// it are known, and comes out the same as if all the phones had been given at once.
    /// </summary>
    public VisemeMouthModel(AudioFeatures features, MotionOptions options)
    {
        var n = features.FrameCount;
        Curves = new MouthCurves(new float[n], new float[n], new float[n], new float[n]);
        _rate = features.FrameRateHz;
        _loudness = Loudness(features);
        // The acoustic jaw (the loudness envelope shaped by a vowel cue, syllable by syllable) carries
        // the timing and size of each opening; the visemes carry its shape. Measured on the LibriVox
        // read: viseme targets alone follow the sound's envelope with r 0.26 (yardstick), the acoustic
        // jaw with 0.77; their blend keeps both the phones' shapes and the envelope's rhythm.
        // Its murmurs that the acoustic model is to hear are heard as the phones around them become known.
        _labialFrames = options.LabialFrames;
        _acoustic = MouthModel.Compute(features, options, deferLips: _labialFrames is not null);
        _lips = new LipHearing(_acoustic, features.FrameRateHz);
        _features = features;
        var style = StyleProfile.Of(options.Style);
        _jawScale = style.JawScale;
        _jawGain = (float)((0.55 + (0.45 * options.Expressiveness)) * style.JawScale);
        _lipGain = (float)((0.5 + (0.5 * options.Expressiveness)) * style.LipScale);
        _smileOffset = style.SmileOffset;
    }

    /// <summary>The mouth curves; frames before <see cref="FramesDone"/> are final.</summary>
    public MouthCurves Curves { get; }

    /// <summary>Feature frames computed so far, from the start.</summary>
    public int FramesDone { get; private set; }

    /// <summary>
    /// Takes the phones known so far — <paramref name="phones"/> tile the clip from 0 to
    /// <paramref name="knownUntilSeconds"/> (infinity: all of it), each call's list extending the
    /// last's — and computes every frame they decide: those a blend's reach away from the unknown.
    /// </summary>
    public void Advance(IReadOnlyList<Phone> phones, double knownUntilSeconds)
    {
        for (; _phonesTaken < phones.Count; _phonesTaken++)
        {
            var phone = phones[_phonesTaken];
            if (!phone.IsSilence && MostlyStruckNotes(phone))
            {
                // Words the decoder heard in a piano's or a guitar's notes sounding alone: no voice.
                phone = phone with { Symbol = "SIL" };
            }

            AddSegments(phone, _segments);
            if (IsVowel(phone))
            {
                _vowels.Add((phone.StartSeconds, phone.EndSeconds));
            }
            else if (phone.Symbol is "N" or "NG")
            {
                _nasals.Add((phone.StartSeconds, phone.EndSeconds));
            }
            else if (phone.Symbol is "DH" or "TH")
            {
                _dentals.Add((phone.StartSeconds, phone.EndSeconds));
            }
            else if (phone.IsSilence)
            {
                AddUnheardVoice(phone);
            }
        }

        var n = _loudness.Length;
        // A frame is final when no phone after the known span can reach it: a phone starts at or
        // after the span's end, and its dominance reaches back ReachSeconds at most (a closure less).
        var to = double.IsPositiveInfinity(knownUntilSeconds)
            ? n
            : Math.Clamp((int)Math.Floor((knownUntilSeconds - ReachSeconds) * _rate) - 1, FramesDone, n);
        if (to <= FramesDone)
        {
            return;
        }

        HearLipsBefore(to);
        Blend(FramesDone, to);
        EnforceClosures(FramesDone, to);
        CloseWhereTheSoundCloses(FramesDone, to);
        SpeakWhereTheDecoderHeardNothing(FramesDone, to);
        FramesDone = to;
    }

    /// <summary>The dominance-weighted blend of the targets around each frame of [from, to).</summary>
    private void Blend(int from, int to)
    {
        var (jaw, round, width, press) = Curves;
        var segments = _segments;
        for (var i = from; i < to; i++)
        {
            var t = i / _rate;
            while (_first < segments.Count && segments[_first].End < t - ReachSeconds)
            {
                _first++;
            }

            double jSum = 0, jW = 0, rSum = 0, wSum = 0, pSum = 0, lW = 0;
            for (var s = _first; s < segments.Count && segments[s].Start <= t + ReachSeconds; s++)
            {
                var seg = segments[s];
                var target = Targets[(int)seg.Viseme];
                var dj = target.JawDominance * Decay(t, seg, JawAnticipationSeconds, JawCarryoverSeconds);
                var dl = target.LipDominance * Decay(t, seg, LipAnticipationSeconds, LipCarryoverSeconds);
                jSum += dj * target.Jaw;
                jW += dj;
                rSum += dl * target.Round;
                wSum += dl * target.Width;
                pSum += dl * target.Press;
                lW += dl;
            }

            if (jW > 1e-9)
            {
                // JALI's jaw axis: quiet speech barely opens, loud speech opens fully.
                var shaped = (float)(jSum / jW) * _jawGain * (0.3f + (0.9f * _loudness[i]));
                jaw[i] = Math.Clamp((0.35f * shaped) + (0.75f * _acoustic.JawOpen[i] * (float)_jawScale), 0f, 1f);
            }

            if (lW > 1e-9)
            {
                round[i] = Math.Clamp((float)(rSum / lW) * _lipGain, 0f, 1f);
                width[i] = Math.Clamp(((float)(wSum / lW) * _lipGain) + _smileOffset, -0.5f, 1f);
                press[i] = Math.Clamp((float)(pSum / lW), 0f, 1f);
            }
        }
    }

    /// <summary>The target of a viseme (for tests and documentation).</summary>
    internal static Target TargetOf(Viseme viseme) => Targets[(int)viseme];

    /// <summary>A phone as viseme segments; a diphthong becomes two halves, its glide in the second.</summary>
    private static void AddSegments(Phone phone, List<(Viseme Viseme, double Start, double End)> segments)
    {
        if (phone.EndSeconds <= phone.StartSeconds)
        {
            return;
        }

        var viseme = phone.IsSilence ? Viseme.Sil : VisemeMap.Of(phone.Symbol);
        var glide = phone.IsSilence ? null : VisemeMap.Glide(phone.Symbol);
        if (glide is { } second)
        {
            var middle = phone.StartSeconds + (0.55 * phone.DurationSeconds);
            segments.Add((viseme, phone.StartSeconds, middle));
            segments.Add((second, middle, phone.EndSeconds));
        }
        else
        {
            segments.Add((viseme, phone.StartSeconds, phone.EndSeconds));
        }
    }

    /// <summary>Full dominance inside the segment, exponential decay outside it.</summary>
    private static double Decay(double t, (Viseme Viseme, double Start, double End) seg, double anticipation, double carryover)
    {
        if (t < seg.Start)
        {
            return Math.Exp(-(seg.Start - t) / anticipation);
        }

        return t > seg.End ? Math.Exp(-(t - seg.End) / carryover) : 1;
    }

    /// <summary>
    /// Over every p, b, m the lips meet: press 1, jaw at most <see cref="ClosedJaw"/>, held at least
    /// <see cref="MinClosureSeconds"/> with smooth ramps, whatever the neighbours' dominance left.
    /// Applied to the frames of [from, to) only, after their blend.
    /// </summary>
    private void EnforceClosures(int from, int to)
    {
        var segments = _segments;
        // A closure reaches at most half the minimum hold and a ramp beyond its phone.
        const double reach = (MinClosureSeconds / 2) + ClosureRampSeconds + 0.01;
        while (_firstClosure < segments.Count && segments[_firstClosure].End + reach < from / _rate)
        {
            _firstClosure++;
        }

        for (var s = _firstClosure; s < segments.Count && segments[s].Start - reach <= to / _rate; s++)
        {
            var seg = segments[s];
            if (seg.Viseme != Viseme.PP)
            {
                continue;
            }

            var start = seg.Start;
            var end = seg.End;
            if (end - start < MinClosureSeconds)
            {
                var middle = 0.5 * (start + end);
                start = middle - (MinClosureSeconds / 2);
                end = middle + (MinClosureSeconds / 2);
            }

            var first = Math.Max(from, (int)Math.Floor((start - ClosureRampSeconds) * _rate));
            var last = Math.Min(to - 1, (int)Math.Ceiling((end + ClosureRampSeconds) * _rate));
            for (var i = first; i <= last; i++)
            {
                var t = i / _rate;
                var outside = t < start ? start - t : t > end ? t - end : 0;
                var u = Math.Clamp(1 - (outside / ClosureRampSeconds), 0, 1);
                Close(i, (float)(u * u * (3 - (2 * u)))); // smoothstep: 1 inside the closure, 0 a ramp away
            }
        }
    }

    /// <summary>Asks the acoustic model about every murmur still unheard whose press can touch a frame before <paramref name="to"/>.</summary>
    private void HearLipsBefore(int to)
    {
        if (_labialFrames is not null) _lips.HearBefore(_labialFrames, to);
    }

    /// <summary>
    /// Where the sound closes inside what the decoder calls a vowel — a quiet gap after a loud frame,
    /// or a voiced dip of 8 dB with a low murmur (<see cref="MouthModel"/>'s closures) — the decoder
    /// has missed a consonant: a vowel does not dip like that. The acoustic path's press is taken
    /// there (a missed m, b or p is the likeliest closure of that kind). So it is inside what the
    /// decoder calls an n or an ng: its likeliest confusion is m heard as n, worst on higher voices
    /// (the read with its M decoded as N: 1 of 11 words on m closed, with this 7; the read as decoded
    /// presses 73 frames instead of 71). Where the decoder heard another consonant (a t, an s) it is
    /// trusted and nothing changes; on clean speech it has heard nearly all. But a murmur the sound
    /// itself says is the lips' (<see cref="MouthCurves.LabialPress"/>: by its formants, or heard so by the
    /// acoustic model) closes them whatever the decoder made of it: where the model fits the voice less
    /// well (a lower or a higher voice than most of its speakers, another language) the decoder hears an
    /// m as a w, a t, a v or a vowel. Except where it decoded a dh or a th at the murmur's middle: the
    /// commonest words ("the", "then", "that") hold one, the recogniser rarely mistakes them, and a
    /// voiced dental after a d or an n can dip like a labial murmur.
    /// </summary>
    private void CloseWhereTheSoundCloses(int from, int to)
    {
        var labial = _acoustic.LabialPress;
        for (var i = from; i < to; i++)
        {
            var w = _acoustic.LipPress[i];
            if (w <= 0)
            {
                continue;
            }

            if (labial[i] > 0)
            {
                if (i > _labialRunLast)
                {
                    // A new run (frames come in order): decided once, at its middle, when its end is final
                    // (no murmur still unheard can press the frame after it).
                    var last = i;
                    while (true)
                    {
                        while (last + 1 < labial.Length && labial[last + 1] > 0) last++;
                        if (last + 1 >= labial.Length || last + 1 < _lips.FramesFinal) break;
                        HearLipsBefore(last + 2);
                    }

                    var middle = (i + last) / 2.0 / _rate;
                    _labialRunLast = last;
                    _labialRunCloses = !(NextSpan(_dentals, ref _dentalCursor, middle) is { } dental && middle >= dental.Start);
                }

                if (_labialRunCloses)
                {
                    Close(i, w);
                    continue;
                }
            }

            var t = i / _rate;
            if (NextSpan(_nasals, ref _nasalCursor, t) is { } nasal && t >= nasal.Start)
            {
                Close(i, w);
                continue;
            }

            // Well inside the vowel: at its edges the dip is the neighbouring consonant, placed a little late or early by the aligner.
            if (NextSpan(_vowels, ref _vowelCursor, t) is not { } vowel || t < vowel.Start + VowelEdgeSeconds || t > vowel.End - VowelEdgeSeconds)
            {
                continue;
            }

            Close(i, w);
        }
    }

    /// <summary>
    /// The first of <paramref name="spans"/> (in order, not overlapping) that has not ended by <paramref name="t"/>,
    /// or null; <paramref name="cursor"/> moves past the ended ones (times only grow between calls).
    /// </summary>
    private static (double Start, double End)? NextSpan(List<(double Start, double End)> spans, ref int cursor, double t)
    {
        while (cursor < spans.Count && spans[cursor].End <= t)
        {
            cursor++;
        }

        return cursor < spans.Count ? spans[cursor] : null;
    }

    /// <summary>
    /// Notes the runs of voice inside a phone the decoder calls silence (or noise): words it did not
    /// hear, as in a voice it mostly mishears, where the mouth would otherwise stay shut while the
    /// voice goes on. On clean read speech there are none (the LibriVox clips: at most 60 ms of voice
    /// under a silence, in runs under 0.1 s).
    /// </summary>
    private void AddUnheardVoice(Phone silence)
    {
        var (first, end) = FramesOf(silence);
        var pause = (int)Math.Round(UnheardPauseSeconds * _rate);
        for (var i = first; i < end;)
        {
            if (!_features.IsSpeech(i))
            {
                i++;
                continue;
            }

            // A stretch of voice: runs of voice frames with gaps shorter than a pause between them
            // (the quiet of a stop or a nasal is part of the stretch, not a break in it).
            var stretchStart = i;
            var stretchEnd = i;
            int speech = 0, voiced = 0;
            for (var gap = 0; i < end && gap < pause; i++)
            {
                if (!_features.IsSpeech(i))
                {
                    gap++;
                    continue;
                }

                gap = 0;
                stretchEnd = i + 1;
                speech++;
                if (_features.Voicing[i] >= 0.5f) voiced++;
            }

            i = stretchEnd;
            if (speech >= UnheardVoiceSeconds * _rate && voiced >= UnheardVoicedSeconds * _rate)
            {
                _unheard.Add((stretchStart, stretchEnd));
            }
        }
    }

    /// <summary>
    /// Over voice the decoder heard as silence, the acoustic mouth (jaw, lips and presses from the
    /// sound), faded in and out over <see cref="UnheardRampSeconds"/> inside the run.
    /// </summary>
    private void SpeakWhereTheDecoderHeardNothing(int from, int to)
    {
        var (jaw, round, width, press) = Curves;
        var ramp = Math.Max(1.0, UnheardRampSeconds * _rate);
        while (_unheardCursor < _unheard.Count && _unheard[_unheardCursor].End <= from)
        {
            _unheardCursor++;
        }

        for (var r = _unheardCursor; r < _unheard.Count && _unheard[r].First < to; r++)
        {
            var (first, end) = _unheard[r];
            for (var i = Math.Max(from, first); i < Math.Min(to, end); i++)
            {
                var w = (float)Math.Min(1.0, Math.Min(i - first + 1, end - i) / ramp);
                jaw[i] += w * (_acoustic.JawOpen[i] - jaw[i]);
                round[i] += w * (_acoustic.LipRound[i] - round[i]);
                width[i] += w * (_acoustic.LipWidth[i] - width[i]);
                press[i] += w * (_acoustic.LipPress[i] - press[i]);
            }
        }
    }

    /// <summary>Presses the lips at frame <paramref name="i"/> by <paramref name="w"/> (0..1), the jaw closing with them; never less pressed than it was.</summary>
    private void Close(int i, float w)
    {
        var (jaw, _, _, press) = Curves;
        press[i] = Math.Max(press[i], w);
        jaw[i] = (jaw[i] * (1 - w)) + (Math.Min(jaw[i], ClosedJaw) * w);
    }

    /// <summary>Whether at least half the frames of <paramref name="phone"/> are struck notes sounding alone (<see cref="AudioFeatures.StruckNote"/>).</summary>
    private bool MostlyStruckNotes(Phone phone)
    {
        var (first, end) = FramesOf(phone);
        var struck = 0;
        for (var i = first; i < end; i++) struck += _features.StruckNote[i] ? 1 : 0;
        return end > first && 2 * struck >= end - first;
    }

    /// <summary>The feature frames [First, End) whose centres lie within <paramref name="phone"/>.</summary>
    private (int First, int End) FramesOf(Phone phone)
    {
        var n = _features.FrameCount;
        var first = Math.Clamp((int)Math.Ceiling(phone.StartSeconds * _rate), 0, n);
        return (first, Math.Clamp((int)Math.Ceiling(phone.EndSeconds * _rate), first, n));
    }

    // Vowels only: the glides w and y share the rounded and spread visemes but dip like consonants.
    private static bool IsVowel(Phone phone) =>
        !phone.IsSilence && phone.Symbol.TrimEnd('0', '1', '2').ToUpperInvariant() is "AA" or "AE" or "AH" or "AO" or "AW" or "AY" or "EH" or "EY" or "IH" or "IY" or "OW" or "OY" or "UH" or "UW";

    /// <summary>
    /// Loudness 0..1 per frame: the energy between the clip's 10th and 95th voice percentiles, smoothed
    /// over about 80 ms so that the jaw follows syllables and phrases, not vibrato or pitch pulses.
    /// </summary>
    private static float[] Loudness(AudioFeatures features)
    {
        var n = features.FrameCount;
        var loud = new float[n];
        var span = features.SortedOverSpeech(features.EnergyDb);
        if (span.Length == 0)
        {
            return loud;
        }

        var high = Statistics.PercentileOfSorted(span, 95);
        var low = Math.Min(Statistics.PercentileOfSorted(span, 10), high - 12f);
        var k = (float)(1 - Math.Exp(-1 / (features.FrameRateHz * 0.04)));
        float state = 0;
        // Forward and backward passes: a zero-phase smoothing, so loudness does not lag the phones.
        for (var i = 0; i < n; i++)
        {
            var x = Math.Clamp((features.EnergyDb[i] - low) / (high - low), 0f, 1f);
            state += k * (x - state);
            loud[i] = state;
        }

        state = loud[n - 1];
        for (var i = n - 1; i >= 0; i--)
        {
            state += k * (loud[i] - state);
            loud[i] = state;
        }

        return loud;
    }

    private static Target[] BuildTargets()
    {
        var t = new Target[15];
        //                                Jaw    Round  Width  Press  JawDom LipDom
        t[(int)Viseme.Sil] = new Target(0.00f, 0.00f, 0.00f, 0.00f, 0.6f, 0.4f);
        t[(int)Viseme.PP] = new Target(0.00f, 0.00f, 0.00f, 1.00f, 1.0f, 1.0f);
        // f, v: the renderer has no lower-lip tuck; a light press over an almost closed jaw reads as
        // the lower lip touching the upper teeth.
        t[(int)Viseme.FF] = new Target(0.06f, 0.00f, 0.05f, 0.60f, 0.9f, 0.9f);
        t[(int)Viseme.TH] = new Target(0.18f, 0.00f, 0.10f, 0.00f, 0.5f, 0.2f);
        t[(int)Viseme.DD] = new Target(0.16f, 0.00f, 0.08f, 0.00f, 0.5f, 0.15f);
        t[(int)Viseme.Kk] = new Target(0.22f, 0.00f, 0.05f, 0.00f, 0.4f, 0.1f);
        t[(int)Viseme.CH] = new Target(0.12f, 0.45f, -0.10f, 0.00f, 0.7f, 0.8f);
        t[(int)Viseme.SS] = new Target(0.08f, 0.00f, 0.25f, 0.00f, 0.7f, 0.4f);
        t[(int)Viseme.Nn] = new Target(0.16f, 0.00f, 0.08f, 0.00f, 0.4f, 0.15f);
        t[(int)Viseme.RR] = new Target(0.20f, 0.35f, -0.05f, 0.00f, 0.5f, 0.6f);
        t[(int)Viseme.Aa] = new Target(0.75f, 0.00f, 0.12f, 0.00f, 1.0f, 0.8f);
        t[(int)Viseme.E] = new Target(0.48f, 0.00f, 0.35f, 0.00f, 1.0f, 0.8f);
        t[(int)Viseme.Ih] = new Target(0.28f, 0.00f, 0.45f, 0.00f, 0.9f, 0.8f);
        t[(int)Viseme.Oh] = new Target(0.55f, 0.60f, -0.15f, 0.00f, 1.0f, 1.0f);
        t[(int)Viseme.Ou] = new Target(0.22f, 0.85f, -0.25f, 0.00f, 0.9f, 1.0f);
        return t;
    }
}
