using System.Numerics;
using Parla.Face.Rig;

namespace Parla.Rendering;

/// <summary>
/// The face's skin as the painters compare pixels with it: a pixel is skin-like when it is of the
/// same hue (within 0.3 in luma-relative r − g, g − b), not much darker (≥ 0.45 of its luma) and
/// warm as skin is (r − b at least 0.4 of the skin's, for its brightness). Iris, pupil, outline,
/// brow, and the whites and highlights of a drawn eye next to a pale drawn skin are not; a shadow on
/// the skin still is.
/// </summary>
internal readonly struct SkinTone
{
    private const float HueTolerance = 0.3f;
    private const float DarkestShare = 0.45f;

    private const float LeastWarmth = 0.4f;

    private readonly Vector2 _hue;
    private readonly float _warmthPerLuma;

    public SkinTone(RigColor skin)
    {
        Luma = skin.Luma;
        _hue = Hue(skin.R, skin.G, skin.B);
        _warmthPerLuma = Math.Max(0, skin.R - skin.B) / Math.Max(1, Luma);
        Chroma = skin.Chroma;
    }

    public float Luma { get; }

    /// <summary>How colourful the skin is: its largest channel less its smallest (0 for a grey).</summary>
    public float Chroma { get; }

    public bool Resembles(float r, float g, float b)
    {
        var luma = Luma601(r, g, b);
        return luma >= DarkestShare * Luma && Vector2.Distance(Hue(r, g, b), _hue) < HueTolerance
            && r - b >= LeastWarmth * _warmthPerLuma * luma;
    }

    public static float Luma601(float r, float g, float b) => 0.299f * r + 0.587f * g + 0.114f * b;

    /// <summary>A colour's largest channel less its smallest.</summary>
    public static float ChromaOf(float r, float g, float b) => Math.Max(r, Math.Max(g, b)) - Math.Min(r, Math.Min(g, b));

    /// <summary>A colour's hue and saturation as two luma-relative differences, (r − g, g − b) / luma.</summary>
    private static Vector2 Hue(float r, float g, float b)
    {
        var luma = Math.Max(1, Luma601(r, g, b));
        return new Vector2((r - g) / luma, (g - b) / luma);
    }
}
