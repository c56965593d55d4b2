namespace Parla.Audio;

/// <summary>
/// Second-order Butterworth high-pass (RBJ audio-EQ cookbook biquad, Q = 1/√2) in direct form I.
/// Removes DC and rumble below the voice range, which would otherwise read as slow "periodicity"
/// and as energy in silence. Keeps its state between calls, so filtering in chunks equals filtering at once.
/// </summary>
internal sealed class HighPassFilter
{
    private readonly double _b0, _b1, _b2, _a1, _a2;
    private double _x1, _x2, _y1, _y2;

    public HighPassFilter(double cutoffHz, int sampleRateHz)
    {
        var w0 = 2 * Math.PI * cutoffHz / sampleRateHz;
        var cos = Math.Cos(w0);
        var alpha = Math.Sin(w0) / (2 * Math.Sqrt(0.5));
        var a0 = 1 + alpha;
        _b0 = (1 + cos) / 2 / a0;
        _b1 = -(1 + cos) / a0;
        _b2 = _b0;
        _a1 = -2 * cos / a0;
        _a2 = (1 - alpha) / a0;
    }

    /// <summary>Filters <paramref name="input"/> into <paramref name="output"/> (same length; may be the same span).</summary>
    public void Process(ReadOnlySpan<float> input, Span<float> output)
    {
        if (output.Length != input.Length)
        {
            throw new ArgumentException("Input and output must have the same length.");
        }

        // The state in locals (as fields, each sample waited on their stores), and the terms of the
        // previous output added last, so that each sample's wait on the one before is one multiply and
        // one subtraction.
        double x1 = _x1, x2 = _x2, y1 = _y1, y2 = _y2;
        double b0 = _b0, b1 = _b1, b2 = _b2, a1 = _a1, a2 = _a2;
        for (var n = 0; n < input.Length; n++)
        {
            double x = input[n];
            var y = (b0 * x) + (b1 * x1) + (b2 * x2) - (a2 * y2) - (a1 * y1);
            x2 = x1;
            x1 = x;
            y2 = y1;
            y1 = y;
            output[n] = (float)y;
        }

        (_x1, _x2, _y1, _y2) = (x1, x2, y1, y2);
    }

    /// <summary>
    /// Filters <paramref name="samples"/> in place through <paramref name="first"/> and then
    /// <paramref name="second"/>: the same samples as their two <see cref="Process"/> calls, in one
    /// loop, so that each section's wait on its previous output overlaps the other's (half the time).
    /// </summary>
    public static void Cascade(HighPassFilter first, HighPassFilter second, Span<float> samples)
    {
        double x1 = first._x1, x2 = first._x2, y1 = first._y1, y2 = first._y2;
        double b0 = first._b0, b1 = first._b1, b2 = first._b2, a1 = first._a1, a2 = first._a2;
        double u1 = second._x1, u2 = second._x2, v1 = second._y1, v2 = second._y2;
        double c0 = second._b0, c1 = second._b1, c2 = second._b2, d1 = second._a1, d2 = second._a2;
        for (var n = 0; n < samples.Length; n++)
        {
            double x = samples[n];
            var y = (b0 * x) + (b1 * x1) + (b2 * x2) - (a2 * y2) - (a1 * y1);
            x2 = x1;
            x1 = x;
            y2 = y1;
            y1 = y;
            // The second section takes the first's output as Process would hand it on: as a float.
            double u = (float)y;
            var v = (c0 * u) + (c1 * u1) + (c2 * u2) - (d2 * v2) - (d1 * v1);
            u2 = u1;
            u1 = u;
            v2 = v1;
            v1 = v;
            samples[n] = (float)v;
        }

        (first._x1, first._x2, first._y1, first._y2) = (x1, x2, y1, y2);
        (second._x1, second._x2, second._y1, second._y2) = (u1, u2, v1, v2);
    }
}
