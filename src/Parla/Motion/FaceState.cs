namespace Parla.Motion;

/// <summary>
/// The face's state in one video frame: named, continuous parameters that the renderer turns into
/// vertex motion. Zero everywhere is the portrait as it is, except that a mouth photographed open
/// is closed (see <see cref="JawOpen"/>). Ranges are documented per member; the
/// renderer clamps, so out-of-range values never tear the mesh.
/// </summary>
public record struct FaceState
{
    /// <summary>
    /// Jaw opening, 0 (lips together) to 1 (wide open, about 0.4 of the nose-to-chin distance). A portrait
    /// photographed with parted lips shows its own mouth at the opening its gap corresponds to, and
    /// closes below it; one with closed lips is as photographed at 0.
    /// </summary>
    public float JawOpen { get; set; }

    /// <summary>Lip rounding (o, u, w), 0..1: corners move inwards and lips push out.</summary>
    public float LipRound { get; set; }

    /// <summary>Lip spread/smile, -0.5..1: corners move outwards (and up, when positive).</summary>
    public float LipWidth { get; set; }

    /// <summary>Lip press (p, b, m), 0..1: the lips are held shut even if the jaw is slightly open.</summary>
    public float LipPress { get; set; }

    /// <summary>Closure of the eye on the image's left, 0 (as in the portrait) to 1 (shut).</summary>
    public float BlinkLeft { get; set; }

    /// <summary>Closure of the eye on the image's right, 0..1.</summary>
    public float BlinkRight { get; set; }

    /// <summary>Brow raise, -1 (frown) .. 1 (raised), in units of about 6% of the face height.</summary>
    public float BrowRaise { get; set; }

    /// <summary>Head turn about the vertical axis in degrees, positive towards the image's right.</summary>
    public float HeadYawDegrees { get; set; }

    /// <summary>Head nod in degrees, positive chin down.</summary>
    public float HeadPitchDegrees { get; set; }

    /// <summary>Head tilt in the image plane in degrees, positive clockwise on screen.</summary>
    public float HeadRollDegrees { get; set; }

    /// <summary>Head shift in face widths (image x to the right, y down).</summary>
    public float HeadShiftX { get; set; }

    /// <inheritdoc cref="HeadShiftX"/>
    public float HeadShiftY { get; set; }

    /// <summary>Gaze offset of the irises, -1..1 in units of about a third of the eye width (x right, y down).</summary>
    public float GazeX { get; set; }

    /// <inheritdoc cref="GazeX"/>
    public float GazeY { get; set; }

    /// <summary>
    /// The face <paramref name="weight"/> (0..1) of the way from <paramref name="from"/> to <paramref name="to"/>:
    /// every value in between, except the lids, which take the more closed of the two, so that a blink in
    /// either is a whole blink rather than a half-closed flutter.
    /// </summary>
    internal static FaceState Between(FaceState from, FaceState to, float weight)
    {
        float Mix(float a, float b) => a + ((b - a) * weight);
        return new FaceState
        {
            JawOpen = Mix(from.JawOpen, to.JawOpen),
            LipRound = Mix(from.LipRound, to.LipRound),
            LipWidth = Mix(from.LipWidth, to.LipWidth),
            LipPress = Mix(from.LipPress, to.LipPress),
            BlinkLeft = Math.Max(from.BlinkLeft, to.BlinkLeft),
            BlinkRight = Math.Max(from.BlinkRight, to.BlinkRight),
            BrowRaise = Mix(from.BrowRaise, to.BrowRaise),
            HeadYawDegrees = Mix(from.HeadYawDegrees, to.HeadYawDegrees),
            HeadPitchDegrees = Mix(from.HeadPitchDegrees, to.HeadPitchDegrees),
            HeadRollDegrees = Mix(from.HeadRollDegrees, to.HeadRollDegrees),
            HeadShiftX = Mix(from.HeadShiftX, to.HeadShiftX),
            HeadShiftY = Mix(from.HeadShiftY, to.HeadShiftY),
            GazeX = Mix(from.GazeX, to.GazeX),
            GazeY = Mix(from.GazeY, to.GazeY),
        };
    }
}
