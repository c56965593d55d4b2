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

        for (var n = 0; n < input.Length; n++)
        {
            double x = input[n];
            var y = (_b0 * x) + (_b1 * _x1) + (_b2 * _x2) - (_a1 * _y1) - (_a2 * _y2);
            _x2 = _x1;
            _x1 = x;
            _y2 = _y1;
            _y1 = y;
            output[n] = (float)y;
        }
    }
}
