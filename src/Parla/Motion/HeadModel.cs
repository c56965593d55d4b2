using Parla.Audio;

namespace Parla.Motion;

/// <summary>Head pose and brow at one moment.</summary>
internal readonly record struct HeadPose(float YawDegrees, float PitchDegrees, float RollDegrees, float ShiftX, float ShiftY, float BrowRaise);

/// <summary>
/// Head and brow motion: slow idle sway from a sum of incommensurate sines with seeded phases,
/// a breathing rhythm, and small nods (and brow raises) on prosodic accents — energy bursts and
/// pitch peaks above the speaker's median pitch.
/// </summary>
internal sealed class HeadModel
{
    // Half-ranges of the head's motion at HeadMotion = 1, in degrees (as a person talking calmly to a camera).
    private const float YawLimitDegrees = 3f;
    private const float PitchLimitDegrees = 2f;
    private const float RollLimitDegrees = 2f;

    // The idle part uses 60% of the range, leaving room for nods on top.
    private const float IdleShare = 0.6f;

    // A nod: chin down over 150 ms, back over 300 ms; at most about 10°/s, as in calm speech.
    private const double NodPeakDegrees = 0.8;
    private const double NodRiseSeconds = 0.15;
    private const double NodFallSeconds = 0.3;
    private const double BrowPeak = 0.3;
    private const double BrowRiseSeconds = 0.2;
    private const double BrowFallSeconds = 0.45;
    private const double BreathingHz = 0.22; // about 13 breaths a minute

    private static readonly double[] SwayBaseHz = [0.11, 0.23, 0.41];
    private static readonly double[] SwayWeights = [0.55, 0.3, 0.15];

    private readonly Sway _yaw, _pitch, _roll, _shift;
    private readonly double _breathingPhase;
    private readonly float[] _nodDegrees;
    private readonly float[] _brow;
    private readonly float[] _speechEnvelope;
    private readonly float[] _tiltDegrees;
    private readonly float[] _melody;
    private readonly StyleProfile _style;
    private readonly double _featureRateHz;
    private readonly MotionOptions _options;

    private HeadModel(AudioFeatures features, MotionOptions options, Random random)
    {
        _options = options;
        _style = StyleProfile.Of(options.Style);
        _featureRateHz = features.FrameRateHz;
        _yaw = new Sway(random);
        _pitch = new Sway(random);
        _roll = new Sway(random);
        _shift = new Sway(random);
        _breathingPhase = random.NextDouble() * 2 * Math.PI;
        var n = features.FrameCount;
        _nodDegrees = new float[n];
        _brow = new float[n];
        _speechEnvelope = new float[n];
        _tiltDegrees = new float[n];
        _melody = Melody(features);

        // Slow speech envelope: the head moves a little more while talking than while listening.
        var k = (float)(1 - Math.Exp(-1 / (_featureRateHz * 0.6)));
        float env = 0;
        for (var i = 0; i < n; i++)
        {
            env += k * (features.SpeechProbability[i] - env);
            _speechEnvelope[i] = env;
        }

        foreach (var accent in Accents(features))
        {
            // The nod's lowest point falls on the accent itself.
            AddBump(_nodDegrees, accent.TimeSeconds - NodRiseSeconds, NodRiseSeconds, NodFallSeconds, NodPeakDegrees * accent.Strength);
            AddBump(_brow, accent.TimeSeconds - BrowRiseSeconds, BrowRiseSeconds, BrowFallSeconds, BrowPeak * accent.PitchStrength);
        }

        // At the end of a phrase the head settles: a slower, smaller nod and a tilt to one side
        // (alternating at random), easing back over the pause.
        foreach (var end in BlinkModel.PhraseEnds(features))
        {
            AddBump(_nodDegrees, end - 0.25, 0.25, 0.6, 0.6 * NodPeakDegrees);
            var side = random.NextDouble() < 0.5 ? -1 : 1;
            AddBump(_tiltDegrees, end - 0.3, 0.3, 0.8, 0.8 + (0.4 * random.NextDouble()));
            if (side < 0)
            {
                var from = Math.Max(0, (int)Math.Ceiling((end - 0.3) * _featureRateHz));
                var to = Math.Min(n - 1, (int)Math.Floor((end + 0.8) * _featureRateHz));
                for (var i = from; i <= to; i++)
                {
                    _tiltDegrees[i] = -Math.Abs(_tiltDegrees[i]);
                }
            }
        }
    }

    public static HeadModel Create(AudioFeatures features, MotionOptions options, Random random) => new(features, options, random);

    public HeadPose At(double t)
    {
        var envelope = Sample(_speechEnvelope, t);
        var liveliness = 0.7f + (0.5f * envelope);
        var motion = (float)_options.HeadMotion;
        var expressive = (float)_options.Expressiveness;
        var breathing = (float)Math.Sin((2 * Math.PI * BreathingHz * t) + _breathingPhase);
        var idle = (float)_style.HeadScale * liveliness;
        var nods = (float)(_style.NodScale * expressive);
        var ts = t * _style.SwaySpeed;
        // Singing: the head lifts with high notes and leans with the melody (semitones from the median, smoothed).
        var melody = (float)_style.MelodyFollow * expressive * Sample(_melody, t);

        var yaw = motion * IdleShare * YawLimitDegrees * idle * _yaw.At(ts);
        var pitch = motion * ((IdleShare * PitchLimitDegrees * idle * _pitch.At(ts)) + (0.25f * breathing) + (nods * Sample(_nodDegrees, t)) - (0.25f * melody));
        var roll = motion * ((IdleShare * RollLimitDegrees * idle * _roll.At(ts)) + (nods * Sample(_tiltDegrees, t)) + (0.2f * melody));
        var shiftX = motion * 0.006f * _shift.At(ts);
        var shiftY = motion * 0.003f * breathing;
        var brow = Math.Clamp((expressive * ((float)_style.BrowScale * Sample(_brow, t) + _style.BrowOffset)) + (0.05f * Math.Max(0, melody)), -1f, 1f);
        return new HeadPose(
            SoftLimit(yaw, motion * YawLimitDegrees),
            SoftLimit(pitch, motion * PitchLimitDegrees),
            SoftLimit(roll, motion * RollLimitDegrees),
            shiftX,
            shiftY,
            brow);
    }

    /// <summary>The melody: pitch in semitones from the voice's median, held through unvoiced gaps, smoothed over 150 ms, and easing to 0 in pauses.</summary>
    private static float[] Melody(AudioFeatures features)
    {
        var n = features.FrameCount;
        var melody = new float[n];
        var voiced = features.PitchHz.Where(f => f > 0).ToArray();
        if (voiced.Length == 0)
        {
            return melody;
        }

        var median = Statistics.Percentile(voiced, 50);
        var k = (float)(1 - Math.Exp(-1 / (features.FrameRateHz * 0.15)));
        float held = 0, state = 0;
        for (var i = 0; i < n; i++)
        {
            if (features.PitchHz[i] > 0)
            {
                held = Math.Clamp(12 * MathF.Log2(features.PitchHz[i] / median), -6f, 6f);
            }
            else if (!features.IsSpeech(i))
            {
                held *= 0.97f;
            }

            state += k * (held - state);
            melody[i] = state;
        }

        return melody;
    }

    /// <summary>Accents: peaks of an emphasis signal (energy above its slow average, pitch above the speaker's median), at least 350 ms apart.</summary>
    internal static List<(double TimeSeconds, double Strength, double PitchStrength)> Accents(AudioFeatures features)
    {
        var accents = new List<(double, double, double)>();
        var n = features.FrameCount;
        if (n == 0)
        {
            return accents;
        }

        var voicedPitches = features.PitchHz.Where(f => f > 0).ToArray();
        var medianPitch = voicedPitches.Length > 0 ? Statistics.Percentile(voicedPitches, 50) : 0f;
        var fast = (float)(1 - Math.Exp(-1 / (features.FrameRateHz * 0.03)));
        var slow = (float)(1 - Math.Exp(-1 / (features.FrameRateHz * 0.4)));
        var emphasis = new float[n];
        var pitchPart = new float[n];
        float eFast = features.ActivityThresholdDb, eSlow = features.ActivityThresholdDb;
        for (var i = 0; i < n; i++)
        {
            var e = Math.Max(features.EnergyDb[i], features.ActivityThresholdDb);
            eFast += fast * (e - eFast);
            eSlow += slow * (e - eSlow);
            var semitones = features.PitchHz[i] > 0 && medianPitch > 0 ? 12 * MathF.Log2(features.PitchHz[i] / medianPitch) : 0f;
            pitchPart[i] = Math.Max(0, semitones) / 4f; // 4 semitones above the median is a clear pitch accent
            emphasis[i] = features.SpeechProbability[i] * ((Math.Max(0, eFast - eSlow) / 8f) + pitchPart[i]);
        }

        var halfWindow = (int)Math.Round(0.12 * features.FrameRateHz);
        var spacing = 0.35; // at most about three nods a second, or they blur into a lean
        var lastTime = double.NegativeInfinity;
        for (var i = 0; i < n; i++)
        {
            if (emphasis[i] < 0.5f)
            {
                continue;
            }

            var isPeak = true;
            for (var j = Math.Max(0, i - halfWindow); j <= Math.Min(n - 1, i + halfWindow) && isPeak; j++)
            {
                isPeak = emphasis[j] < emphasis[i] || (emphasis[j] == emphasis[i] && j >= i);
            }

            var time = features.TimeOf(i);
            if (isPeak && time - lastTime >= spacing)
            {
                accents.Add((time, Math.Min(1.0, emphasis[i]), Math.Min(1.0, pitchPart[i])));
                lastTime = time;
            }
        }

        return accents;
    }

    /// <summary>Adds a smooth bump: a half raised cosine up to <paramref name="peak"/> over <paramref name="rise"/> seconds, then down over <paramref name="fall"/> seconds.</summary>
    private void AddBump(float[] curve, double startSeconds, double rise, double fall, double peak)
    {
        if (peak <= 0)
        {
            return;
        }

        var first = Math.Max(0, (int)Math.Ceiling(startSeconds * _featureRateHz));
        var last = Math.Min(curve.Length - 1, (int)Math.Floor((startSeconds + rise + fall) * _featureRateHz));
        for (var i = first; i <= last; i++)
        {
            var x = (i / _featureRateHz) - startSeconds;
            var phase = x < rise ? x / rise : 1 + ((x - rise) / fall);
            curve[i] += (float)(peak * (0.5 - (0.5 * Math.Cos(Math.PI * phase))));
        }
    }

    private float Sample(float[] curve, double t) => MotionGenerator.Sample(curve, t * _featureRateHz);

    /// <summary>Smooth saturation: linear for small values, approaching ±limit (tanh).</summary>
    private static float SoftLimit(float value, float limit) => limit <= 0 ? 0 : limit * MathF.Tanh(value / limit);

    /// <summary>A sum of three slow sines with seeded frequencies and phases; peak magnitude at most 1.</summary>
    private sealed class Sway
    {
        private readonly double[] _frequencies = new double[3];
        private readonly double[] _phases = new double[3];

        public Sway(Random random)
        {
            for (var j = 0; j < 3; j++)
            {
                _frequencies[j] = SwayBaseHz[j] * (0.8 + (0.45 * random.NextDouble()));
                _phases[j] = random.NextDouble() * 2 * Math.PI;
            }
        }

        public float At(double t)
        {
            double sum = 0;
            for (var j = 0; j < 3; j++)
            {
                sum += SwayWeights[j] * Math.Sin((2 * Math.PI * _frequencies[j] * t) + _phases[j]);
            }

            return (float)sum;
        }
    }
}
