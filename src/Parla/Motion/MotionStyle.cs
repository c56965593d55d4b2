namespace Parla.Motion;

/// <summary>How a voice is performed: scales and shapes the whole face's motion (see <see cref="StyleProfile"/>).</summary>
public enum MotionStyle
{
    /// <summary>A calm speaker talking to the camera.</summary>
    Neutral,

    /// <summary>Quieter: smaller head motion and nods, fewer brow raises, slower sway.</summary>
    Calm,

    /// <summary>A slight smile throughout, livelier brows and head.</summary>
    Happy,

    /// <summary>Wider mouth, bigger nods and brow raises, faster sway.</summary>
    Energetic,

    /// <summary>Wider mouth on held vowels, head following the melody, brows rising on high notes, fewer blinks.</summary>
    Singing,
}

/// <summary>The numbers behind a <see cref="MotionStyle"/>; 1 (and 0 for offsets) is the neutral speaker.</summary>
/// <param name="JawScale">Multiplies the jaw opening.</param>
/// <param name="LipScale">Multiplies rounding and spreading.</param>
/// <param name="SmileOffset">Added to the lip width (positive: a smile).</param>
/// <param name="HeadScale">Multiplies idle head sway.</param>
/// <param name="NodScale">Multiplies nods and tilts on accents and phrase ends.</param>
/// <param name="BrowScale">Multiplies brow raises.</param>
/// <param name="BrowOffset">Added to the brow (a resting lift).</param>
/// <param name="BlinkRateScale">Multiplies the blink rate.</param>
/// <param name="SwaySpeed">Multiplies the frequencies of the idle sway.</param>
/// <param name="MelodyFollow">How much head pitch and roll follow the melody (semitones from the median), 0..1.</param>
public sealed record StyleProfile(
    double JawScale,
    double LipScale,
    float SmileOffset,
    double HeadScale,
    double NodScale,
    double BrowScale,
    float BrowOffset,
    double BlinkRateScale,
    double SwaySpeed,
    double MelodyFollow)
{
    /// <summary>The profile of <paramref name="style"/>.</summary>
    public static StyleProfile Of(MotionStyle style) => style switch
    {
        MotionStyle.Calm => new(0.85, 0.9, 0.02f, 0.6, 0.6, 0.6, 0f, 0.9, 0.75, 0),
        MotionStyle.Happy => new(1.0, 1.0, 0.18f, 1.15, 1.2, 1.3, 0.08f, 1.0, 1.1, 0),
        MotionStyle.Energetic => new(1.15, 1.15, 0.05f, 1.4, 1.6, 1.6, 0.03f, 1.1, 1.35, 0),
        MotionStyle.Singing => new(1.3, 1.1, 0.03f, 1.2, 1.2, 1.4, 0.05f, 0.7, 0.8, 1),
        _ => new(1, 1, 0f, 1, 1, 1, 0f, 1, 1, 0),
    };
}
