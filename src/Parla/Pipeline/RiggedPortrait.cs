using Parla.Face;
using Parla.Face.Rig;
using Parla.Media;

namespace Parla.Pipeline;

/// <summary>Which portrait, at what size, and which face of it.</summary>
public sealed record PortraitOptions
{
    /// <summary>Longest side in pixels; smaller portraits keep their size (sides are made even).</summary>
    public int MaxSidePixels { get; init; } = 1024;

    /// <summary>Which detected face, 0 = the largest.</summary>
    public int FaceIndex { get; init; }

    /// <summary>Landmarks JSON to use instead of detection, in the original image's pixels.</summary>
    public string? LandmarksPath { get; init; }

    /// <summary>A rig saved by <c>parla rig</c>, used instead of building one.</summary>
    public string? RigPath { get; init; }
}

/// <summary>
/// A portrait ready to animate: the image at video size (alpha composited on white), the face chosen
/// in it and the rig built over it. Owns the image.
/// </summary>
public sealed class RiggedPortrait : IDisposable
{
    private RiggedPortrait(Frame image, DetectedFace face, FaceRig rig, string? warning = null)
    {
        Image = image;
        Face = face;
        Rig = rig;
        Warning = warning;
    }

    /// <summary>Set when the face was found but is uncertain: what happened and how to give landmarks instead.</summary>
    public string? Warning { get; }

    public Frame Image { get; }

    public DetectedFace Face { get; }

    public FaceRig Rig { get; }

    /// <summary>Loads the portrait, finds (or reads) the face and builds (or loads) its rig; a rig built for the same image before is taken from the cache (<see cref="PortraitRigCache"/>).</summary>
    /// <exception cref="InvalidInputException">The image, landmarks or rig file is bad.</exception>
    /// <exception cref="NoFaceException">No face was found, or not the one asked for.</exception>
    public static RiggedPortrait Load(string imagePath, PortraitOptions options, FaceModelStore models, CancellationToken cancellationToken = default)
    {
        var image = ImageLoader.LoadForVideo(imagePath, options.MaxSidePixels, out var originalWidth);
        try
        {
            ImageLoader.FlattenAlpha(image);
            var scale = (float)image.Width / originalWidth;
            if (options.RigPath is not null)
            {
                FaceRig saved;
                try
                {
                    saved = FaceRig.Load(options.RigPath);
                }
                catch (InvalidDataException e)
                {
                    throw new InvalidInputException(options.RigPath, $"cannot be used as a rig: {e.Message}", "Build it again with 'parla rig', or leave --rig out.", e);
                }

                if (saved.ImageWidth != image.Width || saved.ImageHeight != image.Height)
                    throw new InvalidInputException(options.RigPath,
                        $"is a rig for a {saved.ImageWidth}x{saved.ImageHeight} image, but the portrait is {image.Width}x{image.Height} at this --max-size.",
                        "Build the rig with the same --max-size, or leave --rig out.");
                return new RiggedPortrait(image, FaceOf(saved), saved);
            }
            var cached = PortraitRigCache.PathFor(imagePath, options);
            if (PortraitRigCache.TryLoad(cached) is { } kept && kept.ImageWidth == image.Width && kept.ImageHeight == image.Height)
            {
                return new RiggedPortrait(image, FaceOf(kept), kept);
            }

            var (face, warning) = FindFace(imagePath, image, scale, options, models, cancellationToken);
            var topology = FaceTopology.Load(models, cancellationToken);
            var rig = FaceRig.Build(face, image.Width, image.Height, topology, image);
            if (warning is null) PortraitRigCache.Save(cached, rig);
            // The search's reduced copies and crops are garbage now, but nothing would collect them
            // before the frames' buffers are made beside them: a 4096² portrait seen for the first time
            // peaked at 446–459 MB, 396–417 MB with this collection (a few milliseconds, once).
            GC.Collect();
            return new RiggedPortrait(image, face, rig, warning);
        }
        catch
        {
            image.Dispose();
            throw;
        }
    }

    public void Dispose() => Image.Dispose();

    private static DetectedFace FaceOf(FaceRig rig) =>
        new(1f, default, rig.Positions[..DetectedFace.LandmarkCount].ToArray().Select(p => new System.Numerics.Vector3(p, 0)).ToArray());

    /// <summary>
    /// When the image turned by a quarter, a half or three quarters shows a face the detector is sure of
    /// (and clearly surer than of anything upright), what to tell the user: the portrait is on its side
    /// or upside down, and which way to turn it. Null otherwise. A face upside down is not one to the
    /// detector, and animating its uncertain guess painted a mouth on the forehead.
    /// </summary>
    private static string? TurnedHint(FaceAnalyzer analyzer, Frame image, string imagePath, FaceSearchResult upright, CancellationToken cancellationToken)
    {
        var uprightScore = upright.Faces.Count > 0 ? upright.Faces[0].Score : 0;
        foreach (var quarterTurns in new[] { 2, 1, 3 })
        {
            using var turned = ImageLoader.Turned(image, quarterTurns);
            var search = analyzer.Search(turned, cancellationToken);
            if (search.Outcome != FaceSearchOutcome.Found || search.Faces[0].Score < uprightScore + 0.2f) continue;
            var c = System.Globalization.CultureInfo.InvariantCulture;
            var (looks, turn) = quarterTurns switch
            {
                2 => ("upside down", "half a turn"),
                1 => ("on its side", "a quarter turn clockwise"),
                _ => ("on its side", "a quarter turn anticlockwise"),
            };
            return string.Format(c,
                "{0} looks {1}: {2}, but turned {3} it shows a face clearly (score {4:F2}). Turn the image upright and try again. {5}",
                imagePath, looks, upright.Faces.Count == 0 ? "no face is found in it as it is" : string.Format(c, "the face found in it as it is is uncertain (score {0:F2})", uprightScore),
                turn, search.Faces[0].Score, FaceSearchResult.LandmarksAdvice);
        }
        return null;
    }

    private static (DetectedFace Face, string? Warning) FindFace(string imagePath, Frame image, float scale, PortraitOptions options, FaceModelStore models, CancellationToken cancellationToken)
    {
        if (options.LandmarksPath is not null)
        {
            var given = LandmarksJson.Read(options.LandmarksPath).Select(f => f.Scaled(scale)).ToList();
            if (options.FaceIndex >= given.Count)
                throw new NoFaceException($"{options.LandmarksPath}: --face {options.FaceIndex} asked for, but the file has {given.Count} face(s) (numbered from 0).");
            return (given[options.FaceIndex], null);
        }
        // Asked for a face other than the largest (a group photo): every pass, as `parla landmarks`
        // numbers them; the largest alone is found by the quicker search that stops at the first face.
        using var analyzer = FaceAnalyzer.Create(models, new FaceAnalyzerOptions { SearchAllPasses = options.FaceIndex > 0 }, cancellationToken);
        var search = analyzer.Search(image, cancellationToken);
        if (options.FaceIndex == 0 && search.Outcome != FaceSearchOutcome.Found && TurnedHint(analyzer, image, imagePath, search, cancellationToken) is { } turned)
            throw new NoFaceException(turned);
        // An uncertain face is still animated (it is often right, e.g. on illustrations), with a warning that says how to correct it.
        var face = search.Require(imagePath, options.FaceIndex, acceptUncertain: true);
        var uncertain = search.OutcomeOf(options.FaceIndex) == FaceSearchOutcome.Uncertain ? search.Describe(imagePath, options.FaceIndex) : null;
        var warning = string.Join(" ", new[] { uncertain, search.LargerUnfitted(imagePath, options.FaceIndex, 1 / scale) }.OfType<string>());
        return (face, warning.Length > 0 ? warning : null);
    }
}
