using Parla.Audio;

namespace Parla.Motion;

/// <summary>One blink: when it starts and how long its lid takes to fall and rise, in seconds; it stays shut <see cref="ShutSeconds"/> between.</summary>
internal readonly record struct Blink(double StartSeconds, double DurationSeconds)
{
    // Closing takes about a third of a blink, opening the rest (the lid falls fast and rises slowly).
    public const double CloseFraction = 0.35;

    // A real blink rests shut for a few tens of milliseconds: at 25 or 30 fps two frames see it closed.
    public const double ShutSeconds = 0.045;

    public double PeakSeconds => StartSeconds + (CloseFraction * DurationSeconds);

    public double EndSeconds => StartSeconds + DurationSeconds + ShutSeconds;

    /// <summary>Lid closure at <paramref name="t"/>: 0 outside, 1 from the peak for <see cref="ShutSeconds"/>; smoothstep down, ease-out up.</summary>
    public float ClosureAt(double t)
    {
        if (t <= StartSeconds || t >= EndSeconds)
        {
            return 0;
        }

        var close = CloseFraction * DurationSeconds;
        if (t < StartSeconds + close)
        {
            var u = (t - StartSeconds) / close;
            return (float)(u * u * (3 - (2 * u)));
        }

        if (t <= StartSeconds + close + ShutSeconds)
        {
            return 1;
        }

        var v = (t - StartSeconds - close - ShutSeconds) / (DurationSeconds - close);
        // 1 - smoothstep(v) weighted towards a slow end: (1-v)^2 (1 + 2v) falls slowly at first, then eases out.
        return (float)((1 - v) * (1 - v) * (1 + (2 * v)));
    }
}

/// <summary>
/// A stochastic blink model: intervals scattered around the mean rate, drawn towards pauses after
/// a phrase (people blink at phrase boundaries), an occasional double blink. Deterministic for a seed.
/// </summary>
internal static class BlinkModel
{
    private const double DoubleBlinkProbability = 0.1;
    private const double PausePreference = 0.75;
    private const double MinPauseSeconds = 0.25;

    public static List<Blink> Schedule(AudioFeatures features, double durationSeconds, MotionOptions options, Random random)
    {
        var blinks = new List<Blink>();
        if (options.BlinksPerMinute <= 0 || durationSeconds <= 0)
        {
            return blinks;
        }

        var phraseEnds = PhraseEnds(features);
        // A double blink counts as two, so single-blink events are spaced a little wider.
        var meanInterval = 60.0 / (options.BlinksPerMinute * StyleProfile.Of(options.Style).BlinkRateScale) * (1 + DoubleBlinkProbability);
        var fps = options.FramesPerSecond;
        var t = 0.3 + (random.NextDouble() * meanInterval * 0.8);
        var pauseIndex = 0;
        var previousEnd = double.NegativeInfinity;
        while (t < durationSeconds)
        {
            var duration = 0.15 + (random.NextDouble() * 0.1);
            t = Math.Max(OutOfWords(features, t, duration), previousEnd + 0.2);
            var blink = AlignPeak(new Blink(t, duration), fps);
            blinks.Add(blink);
            var last = blink.EndSeconds;
            previousEnd = last;
            if (random.NextDouble() < DoubleBlinkProbability)
            {
                var second = AlignPeak(new Blink(blink.EndSeconds + 0.08 + (random.NextDouble() * 0.07), 0.15 + (random.NextDouble() * 0.05)), fps);
                blinks.Add(second);
                last = second.EndSeconds;
                previousEnd = last;
            }

            // Intervals 0.7..1.3 times the mean (2.6–4.9 s at 17 a minute). A pause within a second
            // of the drawn time takes the blink instead (people blink at phrase boundaries); pulling
            // both ways keeps the average rate.
            var next = t + (meanInterval * (0.7 + (0.6 * random.NextDouble())));
            var earliest = t + (0.6 * meanInterval);
            while (pauseIndex < phraseEnds.Count && phraseEnds[pauseIndex] < Math.Max(earliest, next - 1.0))
            {
                pauseIndex++;
            }

            var preferPause = random.NextDouble() < PausePreference;
            if (pauseIndex < phraseEnds.Count && phraseEnds[pauseIndex] <= next + 1.0 && preferPause)
            {
                next = phraseEnds[pauseIndex] + 0.05 + (random.NextDouble() * 0.2);
            }

            t = Math.Max(next, last + 0.3);
        }

        return blinks;
    }

    /// <summary>
    /// People do not blink in the middle of a word: a blink that would close the eyes over loud voice
    /// moves (at most 0.5 s either way) to start at the quietest moment near it — a pause or the dip
    /// between words.
    /// </summary>
    internal static double OutOfWords(AudioFeatures features, double start, double duration)
    {
        var rate = features.FrameRateHz;
        var n = features.FrameCount;
        int At(double seconds) => Math.Clamp((int)Math.Round(seconds * rate), 0, Math.Max(0, n - 1));
        if (n == 0 || !features.IsSpeech(At(start + (Blink.CloseFraction * duration))))
        {
            return start;
        }

        var best = start;
        var bestCost = double.MaxValue;
        for (var offset = -0.5; offset <= 0.5; offset += 0.01)
        {
            var candidate = start + offset;
            if (candidate < 0.1)
            {
                continue;
            }

            // Loudness over the blink's closed part, plus a little for moving far.
            var cost = 0.0;
            for (var x = candidate; x <= candidate + (0.6 * duration); x += 0.02)
            {
                cost += features.SpeechProbability[At(x)] * Math.Max(0, features.EnergyDb[At(x)] - features.NoiseFloorDb);
            }

            cost += 2 * Math.Abs(offset);
            if (cost < bestCost)
            {
                bestCost = cost;
                best = candidate;
            }
        }

        return best;
    }

    /// <summary>Times where speech stops for at least <see cref="MinPauseSeconds"/>.</summary>
    internal static List<double> PhraseEnds(AudioFeatures features)
    {
        var ends = new List<double>();
        var minFrames = (int)Math.Ceiling(MinPauseSeconds * features.FrameRateHz);
        var i = 1;
        while (i < features.FrameCount)
        {
            if (features.IsSpeech(i - 1) && !features.IsSpeech(i))
            {
                var end = i;
                while (end < features.FrameCount && !features.IsSpeech(end))
                {
                    end++;
                }

                if (end - i >= minFrames)
                {
                    ends.Add(features.TimeOf(i));
                }

                i = end;
            }
            else
            {
                i++;
            }
        }

        return ends;
    }

    /// <summary>Moves a blink by less than half a frame so that its fully closed moment falls on a video frame (a 200 ms blink spans only five frames at 25 fps).</summary>
    private static Blink AlignPeak(Blink blink, double fps)
    {
        var peak = Math.Round(blink.PeakSeconds * fps) / fps;
        return blink with { StartSeconds = peak - (Blink.CloseFraction * blink.DurationSeconds) };
    }
}
