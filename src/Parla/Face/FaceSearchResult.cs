using System.Globalization;

namespace Parla.Face;

/// <summary>What a face search came to, for the face the caller picked.</summary>
public enum FaceSearchOutcome
{
    /// <summary>A face with a confident detector score and mesh presence.</summary>
    Found,

    /// <summary>A face, but its detector score or mesh presence is below the confident threshold: it may be no face, or a poor fit.</summary>
    Uncertain,

    /// <summary>No face (or no face with that index).</summary>
    NotFound,
}

/// <summary>
/// The faces <see cref="FaceAnalyzer.Search"/> found, largest first, and whether each is certain
/// enough to animate, with the words to tell a user what happened and how to give landmarks instead.
/// </summary>
public sealed class FaceSearchResult
{
    /// <summary>
    /// How a user supplies landmarks when detection fails: the sentence a front end prints after
    /// <see cref="Describe"/>'s first sentence. The format is documented in docs/landmarks-format.md.
    /// </summary>
    public const string LandmarksAdvice =
        "Give landmarks with --landmarks FILE: either the full file from 'parla landmarks --json' or five points " +
        "{\"points5\": [[x,y] left eye centre, right eye centre, nose tip, left mouth corner, right mouth corner]} " +
        "in image pixels, left and right as seen in the image.";

    public FaceSearchResult(IReadOnlyList<DetectedFace> faces, float confidentDetectionScore, float confidentPresenceScore, int detectorRuns = 0,
        IReadOnlyList<DetectedFace>? unfitted = null)
    {
        ArgumentNullException.ThrowIfNull(faces);
        Faces = faces;
        Unfitted = unfitted ?? [];
        ConfidentDetectionScore = confidentDetectionScore;
        ConfidentPresenceScore = confidentPresenceScore;
        DetectorRuns = detectorRuns;
    }

    /// <summary>Every face found, largest box first; empty when there is none.</summary>
    public IReadOnlyList<DetectedFace> Faces { get; }

    /// <summary>
    /// What the detector scored as a confident face but the mesh could not fit (a face turned far
    /// away, covered, or drawn beyond what the mesh knows), largest box first, with the mesh's unsure
    /// fit of it (its <see cref="DetectedFace.Presence"/> below the bar): not animated, but worth a
    /// word when it is larger than the face that is (see <see cref="LargerUnfitted"/>).
    /// </summary>
    public IReadOnlyList<DetectedFace> Unfitted { get; }

    /// <summary>Detector score below which a face counts as uncertain.</summary>
    public float ConfidentDetectionScore { get; }

    /// <summary>Mesh presence below which a face counts as uncertain.</summary>
    public float ConfidentPresenceScore { get; }

    /// <summary>How many times the detector ran (1 when the first, whole-image pass found a confident face).</summary>
    public int DetectorRuns { get; }

    /// <summary>The outcome for the largest face.</summary>
    public FaceSearchOutcome Outcome => OutcomeOf(0);

    /// <summary>True when the largest face exists but is uncertain.</summary>
    public bool IsUncertain => Outcome == FaceSearchOutcome.Uncertain;

    /// <summary>The outcome for face <paramref name="index"/> (0 is the largest).</summary>
    public FaceSearchOutcome OutcomeOf(int index)
    {
        if (index < 0 || index >= Faces.Count) return FaceSearchOutcome.NotFound;
        var face = Faces[index];
        return face.Score < ConfidentDetectionScore || face.Presence < ConfidentPresenceScore ? FaceSearchOutcome.Uncertain : FaceSearchOutcome.Found;
    }

    /// <summary>
    /// One or two sentences for a user about face <paramref name="index"/> of the image called
    /// <paramref name="imageName"/>; when it is missing or uncertain, followed by <see cref="LandmarksAdvice"/>.
    /// </summary>
    public string Describe(string imageName, int index = 0)
    {
        var c = CultureInfo.InvariantCulture;
        switch (OutcomeOf(index))
        {
            case FaceSearchOutcome.Found:
                var found = Faces[index];
                return string.Format(c, "Found {0} in {1}; using face {2} (score {3:F2}).", Count(Faces.Count), imageName, index, found.Score);
            case FaceSearchOutcome.Uncertain:
                var face = Faces[index];
                var reasons = new List<string>();
                if (face.Score < ConfidentDetectionScore) reasons.Add(string.Format(c, "score {0:F2}", face.Score));
                if (face.Presence < ConfidentPresenceScore) reasons.Add(string.Format(c, "mesh presence {0:F2}", face.Presence));
                var which = Faces.Count == 1 ? "The face" : string.Format(c, "Face {0} of the {1}", index, Count(Faces.Count));
                return string.Format(c, "{0} found in {1} is uncertain ({2}). {3}", which, imageName, string.Join(", ", reasons), LandmarksAdvice);
            default:
                if (Faces.Count == 0) return $"No face found in {imageName}. {LandmarksAdvice}";
                return string.Format(c, "There is no face {0} in {1}: {2} found, numbered 0–{3}. {4}",
                    index, imageName, Count(Faces.Count), Faces.Count - 1, LandmarksAdvice);
        }
    }

    /// <summary>
    /// Face <paramref name="index"/> (0 is the largest); throws <see cref="NoFaceException"/> with
    /// <see cref="Describe"/>'s words when it is missing, or uncertain and <paramref name="acceptUncertain"/> is false.
    /// </summary>
    public DetectedFace Require(string imageName, int index = 0, bool acceptUncertain = false)
    {
        var outcome = OutcomeOf(index);
        if (outcome == FaceSearchOutcome.NotFound || (outcome == FaceSearchOutcome.Uncertain && !acceptUncertain))
            throw new NoFaceException(Describe(imageName, index));
        return Faces[index];
    }

    /// <summary>
    /// When the image holds a confident detection the mesh could not fit that is clearly larger (twice
    /// the area) than face <paramref name="index"/>, a sentence saying so and how to animate it
    /// instead; null otherwise. A portrait's subject missed for a small face in the background
    /// (a picture in the picture) is otherwise a silent surprise. Positions are given in the
    /// searched image's pixels times <paramref name="toImagePixels"/> (for an image searched at
    /// another size than the user's file).
    /// </summary>
    public string? LargerUnfitted(string imageName, int index = 0, float toImagePixels = 1)
    {
        if (index < 0 || index >= Faces.Count) return null;
        var face = Faces[index].Box;
        var larger = Unfitted.FirstOrDefault(d => d.Box.Area >= 2 * face.Area);
        if (larger is null) return null;
        var c = CultureInfo.InvariantCulture;
        // The unsure fit's five points, as a landmarks file takes them: often right, and a start to correct.
        var five = string.Join(", ", FaceTemplate.Default.FivePointsOf(larger.Points)
            .Select(p => string.Format(c, "[{0:F1}, {1:F1}]", p.X * toImagePixels, p.Y * toImagePixels)));
        return string.Format(c,
            "{0} also shows a larger face-like region centred at ({1:F0}, {2:F0}), {3:F0} px wide (detector score {4:F2}), that the face mesh cannot fit " +
            "(presence {5:F2}); the face animated is the one centred at ({6:F0}, {7:F0}), {8:F0} px wide. To animate the larger one, " +
            "check these five points from the mesh's unsure fit against the image, save them to a file and pass it with --landmarks: {{\"points5\": [{9}]}}",
            imageName, larger.Box.CenterX * toImagePixels, larger.Box.CenterY * toImagePixels, larger.Box.Width * toImagePixels, larger.Score,
            larger.Presence, face.CenterX * toImagePixels, face.CenterY * toImagePixels, face.Width * toImagePixels, five);
    }

    private static string Count(int faces) => faces == 1 ? "1 face" : $"{faces} faces";
}
