namespace Parla.Audio;

/// <summary>
/// Frame-level features of one voice recording, one value per analysis frame. Frame <c>i</c> is
/// centred on time <c>i / FrameRateHz</c> seconds. All arrays have <see cref="FrameCount"/> elements.
/// </summary>
public sealed class AudioFeatures
{
    public AudioFeatures(
        double frameRateHz,
        double durationSeconds,
        float[] energyDb,
        float[] speechProbability,
        float[] voicing,
        float[] pitchHz,
        float[] spectralCentroidHz,
        float[] bandRatioDb,
        float noiseFloorDb,
        float activityThresholdDb,
        float[]? midBandDb = null,
        float[]? secondFormantHz = null,
        bool[]? struckNote = null)
    {
        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(frameRateHz, 0);
        ArgumentOutOfRangeException.ThrowIfNegative(durationSeconds);
        var n = energyDb.Length;
        if (speechProbability.Length != n || voicing.Length != n || pitchHz.Length != n
            || spectralCentroidHz.Length != n || bandRatioDb.Length != n
            || (midBandDb is not null && midBandDb.Length != n) || (secondFormantHz is not null && secondFormantHz.Length != n)
            || (struckNote is not null && struckNote.Length != n))
        {
            throw new ArgumentException("All feature arrays must have the same length.");
        }

        FrameRateHz = frameRateHz;
        DurationSeconds = durationSeconds;
        EnergyDb = energyDb;
        SpeechProbability = speechProbability;
        Voicing = voicing;
        PitchHz = pitchHz;
        SpectralCentroidHz = spectralCentroidHz;
        BandRatioDb = bandRatioDb;
        MidBandDb = midBandDb ?? new float[n];
        SecondFormantHz = secondFormantHz ?? new float[n];
        StruckNote = struckNote ?? new bool[n];
        NoiseFloorDb = noiseFloorDb;
        ActivityThresholdDb = activityThresholdDb;
    }

    /// <summary>Frames per second (100 by default: a 10 ms hop).</summary>
    public double FrameRateHz { get; }

    /// <summary>Length of the analysed audio in seconds.</summary>
    public double DurationSeconds { get; }

    public int FrameCount => EnergyDb.Length;

    /// <summary>RMS level of the Hann-windowed frame in dB relative to full scale (a full-scale sine is about -3 dB); floored at -120 dB.</summary>
    public float[] EnergyDb { get; }

    /// <summary>Probability, 0..1, that the frame holds voice rather than background (adaptive noise floor; 0.5 at <see cref="ActivityThresholdDb"/>).</summary>
    public float[] SpeechProbability { get; }

    /// <summary>Periodicity: the normalised autocorrelation peak in the pitch lag range, 0 (noise, silence) .. 1 (a pure periodic tone).</summary>
    public float[] Voicing { get; }

    /// <summary>Fundamental frequency in Hz where the frame is voiced and active; 0 elsewhere.</summary>
    public float[] PitchHz { get; }

    /// <summary>Power-weighted mean frequency of the frame's spectrum in Hz (0 for a silent frame).</summary>
    public float[] SpectralCentroidHz { get; }

    /// <summary>
    /// Low-band (first-formant region) power over high-band (fricative region) power, in dB:
    /// strongly positive for open vowels, negative for sibilants and fricatives.
    /// </summary>
    public float[] BandRatioDb { get; }

    /// <summary>Power between 1 and 3 kHz (the second formant's region), dB like <see cref="EnergyDb"/>: it drops deep where the lips or the tongue close the mouth, even when a nasal murmur keeps the whole level up.</summary>
    public float[] MidBandDb { get; }

    /// <summary>
    /// The second formant in Hz from a linear-prediction envelope of the frame's 0–4 kHz in voiced
    /// frames (<see cref="Voicing"/> at least the voicing threshold), 0 elsewhere and where none is found. It falls toward about 1 kHz into and out of a lip closure (m, b, p) and toward about
    /// 1.8 kHz at a tongue-tip one (n, d, t): the place of a closure shows in its neighbours' formants.
    /// </summary>
    public float[] SecondFormantHz { get; }

    /// <summary>The clip's background level in dB (a low percentile of <see cref="EnergyDb"/>).</summary>
    public float NoiseFloorDb { get; }

    /// <summary>The energy, in dB, at which <see cref="SpeechProbability"/> is 0.5.</summary>
    public float ActivityThresholdDb { get; }

    /// <summary>Whether frame <paramref name="frame"/> is more likely voice than background.</summary>
    public bool IsSpeech(int frame) => SpeechProbability[frame] >= 0.5f;

    /// <summary>The values of <paramref name="track"/> (one per frame) in the frames that hold voice (<see cref="IsSpeech"/>), sorted ascending: percentiles over the voice.</summary>
    public float[] SortedOverSpeech(float[] track)
    {
        ArgumentNullException.ThrowIfNull(track);
        var values = new List<float>(FrameCount);
        for (var i = 0; i < FrameCount; i++)
        {
            if (IsSpeech(i)) values.Add(track[i]);
        }

        var sorted = values.ToArray();
        Statistics.Sort(sorted);
        return sorted;
    }

    /// <summary>
    /// Frames of a struck note sounding with no voice (a piano's, a guitar's; <see cref="StruckNotes"/>):
    /// taken out of the voice, so neither speech (<see cref="IsSpeech"/>) nor pitched there; a phone
    /// decoder may still hear words in them.
    /// </summary>
    public bool[] StruckNote { get; }

    /// <summary>Time in seconds of the centre of frame <paramref name="frame"/>.</summary>
    public double TimeOf(int frame) => frame / FrameRateHz;
}
