using System.Globalization;

namespace Parla.Audio;

/// <summary>
/// Settings of <see cref="AudioAnalyzer"/>. The defaults suit speech and singing at 16 kHz; every
/// quantity carries its unit in its name. Call <see cref="Validate"/> to get all problems at once.
/// </summary>
public sealed record AudioAnalysisOptions
{
    /// <summary>Cut-off of the high-pass applied before analysis (removes DC, hum and rumble), Hz; default 60; 0 switches it off.</summary>
    public double HighPassHz { get; init; } = 60;

    /// <summary>Distance between frame centres in seconds; default 0.010 (100 frames per second).</summary>
    public double HopSeconds { get; init; } = 0.010;

    /// <summary>Length of the Hann window for energy and spectrum in seconds; default 0.025.</summary>
    public double WindowSeconds { get; init; } = 0.025;

    /// <summary>Length of the span searched for periodicity in seconds; default 0.040 (enough for two periods at 70 Hz after the shortest overlap).</summary>
    public double PitchWindowSeconds { get; init; } = 0.040;

    /// <summary>Lowest fundamental frequency searched, Hz; default 70.</summary>
    public double MinPitchHz { get; init; } = 70;

    /// <summary>Highest fundamental frequency searched, Hz; default 500 (covers speech; sung soprano notes above it are reported at a sub-multiple).</summary>
    public double MaxPitchHz { get; init; } = 500;

    /// <summary>Normalised autocorrelation peak above which a frame counts as voiced, 0..1; default 0.5.</summary>
    public double VoicingThreshold { get; init; } = 0.5;

    /// <summary>Percentile of frame energies taken as the clip's noise floor, 0..100; default 10.</summary>
    public double NoiseFloorPercentile { get; init; } = 10;

    /// <summary>How far above the noise floor (and below the loud frames) speech activity begins, dB; default 10.</summary>
    public double ActivityMarginDb { get; init; } = 10;

    /// <summary>Absolute level below which nothing counts as voice, dBFS; default -60.</summary>
    public double SilenceLevelDb { get; init; } = -60;

    /// <summary>Width of the soft step from background to voice, dB; default 3 (probability 0.27 and 0.73 at ±3 dB).</summary>
    public double ActivitySoftnessDb { get; init; } = 3;

    /// <summary>
    /// Whether struck notes sounding alone (a piano's, a guitar's: <see cref="StruckNotes"/>) are taken
    /// out of the voice: no activity and no pitch there; default true. Speech and singing keep every
    /// frame (none found in the LibriVox clips, the read with reverb or pitched up, espeak-ng's voices,
    /// sung notes); a piano intro then leaves the mouth at rest and out of the language decision.
    /// </summary>
    public bool SeparateStruckNotes { get; init; } = true;

    /// <summary>Low band (first-formant region of open vowels), lower edge in Hz; default 100.</summary>
    public double LowBandMinHz { get; init; } = 100;

    /// <summary>Low band, upper edge in Hz; default 900.</summary>
    public double LowBandMaxHz { get; init; } = 900;

    /// <summary>High band (fricatives and sibilants), lower edge in Hz; default 3000.</summary>
    public double HighBandMinHz { get; init; } = 3000;

    /// <summary>High band, upper edge in Hz (clipped to the Nyquist frequency); default 8000.</summary>
    public double HighBandMaxHz { get; init; } = 8000;

    /// <summary>Every problem with these options for audio at <paramref name="sampleRateHz"/>; empty when they are usable.</summary>
    public IReadOnlyList<string> Validate(int sampleRateHz)
    {
        var errors = new List<string>();
        void Check(bool ok, string message)
        {
            if (!ok)
            {
                errors.Add(message);
            }
        }

        static string F(double v) => v.ToString("G", CultureInfo.InvariantCulture);
        var nyquist = sampleRateHz / 2.0;
        Check(sampleRateHz >= 4000, $"The sample rate must be at least 4000 Hz (got {sampleRateHz.ToString(CultureInfo.InvariantCulture)}).");
        Check(HighPassHz >= 0 && HighPassHz < MinPitchHz, $"{nameof(HighPassHz)} must be in [0, {nameof(MinPitchHz)}) (got {F(HighPassHz)}).");
        Check(HopSeconds is > 0 and <= 0.1, $"{nameof(HopSeconds)} must be in (0, 0.1] (got {F(HopSeconds)}).");
        Check(WindowSeconds is >= 0.005 and <= 0.2, $"{nameof(WindowSeconds)} must be in [0.005, 0.2] (got {F(WindowSeconds)}).");
        Check(PitchWindowSeconds is >= 0.01 and <= 0.2, $"{nameof(PitchWindowSeconds)} must be in [0.01, 0.2] (got {F(PitchWindowSeconds)}).");
        Check(MinPitchHz > 20 && MinPitchHz < MaxPitchHz, $"{nameof(MinPitchHz)} must be above 20 and below {nameof(MaxPitchHz)} (got {F(MinPitchHz)}).");
        Check(MaxPitchHz < nyquist / 2, $"{nameof(MaxPitchHz)} must be below a quarter of the sample rate (got {F(MaxPitchHz)}).");
        Check(PitchWindowSeconds * MinPitchHz >= 1.5, $"{nameof(PitchWindowSeconds)} must hold at least 1.5 periods of {nameof(MinPitchHz)} (got {F(PitchWindowSeconds)} s at {F(MinPitchHz)} Hz).");
        Check(VoicingThreshold is > 0 and < 1, $"{nameof(VoicingThreshold)} must be in (0, 1) (got {F(VoicingThreshold)}).");
        Check(NoiseFloorPercentile is >= 0 and <= 50, $"{nameof(NoiseFloorPercentile)} must be in [0, 50] (got {F(NoiseFloorPercentile)}).");
        Check(ActivityMarginDb is >= 0 and <= 60, $"{nameof(ActivityMarginDb)} must be in [0, 60] (got {F(ActivityMarginDb)}).");
        Check(SilenceLevelDb is >= -120 and <= 0, $"{nameof(SilenceLevelDb)} must be in [-120, 0] (got {F(SilenceLevelDb)}).");
        Check(ActivitySoftnessDb is > 0 and <= 20, $"{nameof(ActivitySoftnessDb)} must be in (0, 20] (got {F(ActivitySoftnessDb)}).");
        Check(LowBandMinHz >= 0 && LowBandMinHz < LowBandMaxHz, $"The low band must satisfy 0 <= {nameof(LowBandMinHz)} < {nameof(LowBandMaxHz)} (got {F(LowBandMinHz)}..{F(LowBandMaxHz)}).");
        Check(HighBandMinHz < HighBandMaxHz && HighBandMinHz < nyquist, $"The high band must satisfy {nameof(HighBandMinHz)} < {nameof(HighBandMaxHz)} and start below the Nyquist frequency (got {F(HighBandMinHz)}..{F(HighBandMaxHz)}).");
        return errors;
    }

    /// <summary>Throws an <see cref="ArgumentException"/> listing every problem, if there is any.</summary>
    public void ThrowIfInvalid(int sampleRateHz)
    {
        var errors = Validate(sampleRateHz);
        if (errors.Count > 0)
        {
            throw new ArgumentException("Invalid audio analysis options: " + string.Join(" ", errors));
        }
    }
}
