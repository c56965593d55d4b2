namespace Parla.Motion;

/// <summary>One fixation: from <see cref="StartSeconds"/> the irises move to (X, Y).</summary>
internal readonly record struct Fixation(double StartSeconds, float X, float Y);

/// <summary>
/// Gaze as fixations joined by quick saccades: every 1–3 s the eyes jump to a nearby point, and
/// often back to the camera. Deterministic for a seed.
/// </summary>
internal static class GazeModel
{
    private const double SaccadeSeconds = 0.04;

    public static List<Fixation> Schedule(double durationSeconds, MotionOptions options, Random random)
    {
        var fixations = new List<Fixation> { new(0, 0, 0) };
        var reach = (float)(0.5 + (0.5 * options.Expressiveness));
        var t = 1 + (2 * random.NextDouble());
        while (t < durationSeconds)
        {
            float x, y;
            if (random.NextDouble() < 0.4)
            {
                // Back to the camera, give or take a little.
                x = (float)((random.NextDouble() - 0.5) * 0.08);
                y = (float)((random.NextDouble() - 0.5) * 0.06);
            }
            else
            {
                x = (float)((random.NextDouble() - 0.5) * 0.6);
                y = (float)((random.NextDouble() - 0.5) * 0.3);
            }

            fixations.Add(new Fixation(t, x * reach, y * reach));
            t += 1 + (2 * random.NextDouble());
        }

        return fixations;
    }

    /// <summary>Gaze at time <paramref name="t"/>; <paramref name="cursor"/> remembers the current fixation between calls with increasing times.</summary>
    public static (float X, float Y) At(List<Fixation> fixations, double t, ref int cursor)
    {
        while (cursor + 1 < fixations.Count && fixations[cursor + 1].StartSeconds <= t)
        {
            cursor++;
        }

        var current = fixations[cursor];
        if (cursor == 0)
        {
            return (current.X, current.Y);
        }

        var previous = fixations[cursor - 1];
        var u = Math.Clamp((t - current.StartSeconds) / SaccadeSeconds, 0, 1);
        var s = (float)(u * u * (3 - (2 * u)));
        return (previous.X + ((current.X - previous.X) * s), previous.Y + ((current.Y - previous.Y) * s));
    }
}
