using System.Numerics;
using Parla.Face;
using Parla.Media;
using Xunit.Abstractions;

namespace Parla.Tests.Face;

[Collection(FaceModelsCollection.Name)]
public sealed class FaceAnalyzerTests(FaceModelsFixture fixture, ITestOutputHelper output)
{
    // MediaPipe FaceMesh indices.
    private const int NoseTip = 1;
    private const int UpperLipInner = 13;
    private const int LowerLipInner = 14;
    private const int RightEyeOuter = 33;  // the subject's right: left in the image
    private const int LeftEyeOuter = 263;

    [Fact]
    public void Astronaut_OneConfidentFace_BoxCoversTheFace()
    {
        using var image = ImageLoader.Load(TestData.Portrait("astronaut.png"));
        var faces = fixture.Analyzer.Detect(image);

        var face = Assert.Single(faces);
        Assert.True(face.Score > 0.8f, $"score {face.Score}");
        // The face (Eileen Collins) spans about x 180–275, y 80–175 in this 512×512 photo.
        Assert.InRange(face.Box.CenterX, 205, 245);
        Assert.InRange(face.Box.CenterY, 110, 150);
        Assert.InRange(face.Box.Width, 70, 130);
        foreach (var index in new[] { NoseTip, UpperLipInner, RightEyeOuter, LeftEyeOuter })
            AssertInside(face.Box, face.Points[index], margin: 0);
    }

    [Theory]
    [InlineData("astronaut.png")]
    [InlineData("grace_hopper.jpg")]
    public void Portrait_LandmarksAreAnatomicallyOrdered(string name)
    {
        using var image = ImageLoader.Load(TestData.Portrait(name));
        var face = Assert.Single(fixture.Analyzer.Detect(image));
        var p = face.Points;

        Assert.Equal(DetectedFace.LandmarkCount, p.Length);
        Assert.True(p[RightEyeOuter].X < p[NoseTip].X && p[NoseTip].X < p[LeftEyeOuter].X, "eye corners either side of the nose");
        Assert.True(p[UpperLipInner].Y > p[NoseTip].Y && p[LowerLipInner].Y > p[NoseTip].Y, "mouth below the nose tip");
        Assert.True(p[LowerLipInner].Y >= p[UpperLipInner].Y - 1, "lower lip not above the upper lip");
        Assert.True(p[NoseTip].Z < p[RightEyeOuter].Z && p[NoseTip].Z < p[LeftEyeOuter].Z, "nose tip nearer the camera than the eye corners");
        // The detector's box runs from brows to chin; the mesh also covers the forehead, so allow a
        // quarter of the box on each side (the mesh region itself is 1.5× the box).
        foreach (var point in p) AssertInside(face.Box, point, margin: 0.25f * face.Box.Width);
        LandmarksOverlay.Draw(image, [face], Path.Combine(FaceModelsFixture.OutputDirectory, Path.GetFileNameWithoutExtension(name) + ".landmarks.png"));
    }

    [Fact]
    public void RotatedPortrait_GivesRotatedPoints()
    {
        const float angleDegrees = 30;
        using var image = ImageLoader.Load(TestData.Portrait("astronaut.png"));
        using var rotated = TestImages.Rotate(image, angleDegrees);
        var upright = Assert.Single(fixture.Analyzer.Detect(image));
        var turned = Assert.Single(fixture.Analyzer.Detect(rotated));

        var center = new Vector2(image.Width / 2f, image.Height / 2f);
        var rotation = Matrix3x2.CreateRotation(angleDegrees * MathF.PI / 180, center); // clockwise on screen (y down)
        var faceWidth = Vector2.Distance(Xy(upright.Points[RightEyeOuter]), Xy(upright.Points[LeftEyeOuter])) * 2; // eye corners span about half the face
        var errors = upright.Points.Zip(turned.Points, (a, b) => Vector2.Distance(Vector2.Transform(Xy(a), rotation), Xy(b))).ToArray();

        // The mesh sees a resampled, rotated image, so points move a little; 3 % of the face width
        // (about 3 px here) is well below a feature's size (an eye is about 20 % of the face width).
        var mean = errors.Average();
        var key = new[] { NoseTip, UpperLipInner, LowerLipInner, RightEyeOuter, LeftEyeOuter }.Max(i => errors[i]);
        output.WriteLine($"rotation {angleDegrees}°: mean error {mean:F2} px, largest key-point error {key:F2} px, face width {faceWidth:F0} px");
        if (mean > 0.03f * faceWidth || key > 0.03f * faceWidth)
            LandmarksOverlay.Draw(rotated, [turned], Path.Combine(FaceModelsFixture.OutputDirectory, "astronaut.rotated.actual.png"));
        Assert.True(mean <= 0.03f * faceWidth, $"mean error {mean:F2} px, face width {faceWidth:F0} px");
        Assert.True(key <= 0.03f * faceWidth, $"largest key-point error {key:F2} px, face width {faceWidth:F0} px");
    }

    [Fact]
    public void FlatGrayImage_HasNoFace()
    {
        using var image = new Frame(320, 240);
        image.Pixels.Fill(128);
        Assert.Empty(fixture.Analyzer.Detect(image));
    }

    [Fact]
    public void NoiseImage_HasNoFace()
    {
        using var image = new Frame(256, 256);
        new Random(12345).NextBytes(image.Pixels);
        for (var i = 3; i < image.Length; i += 4) image.Pixels[i] = 255;
        Assert.Empty(fixture.Analyzer.Detect(image));
    }

    [Fact]
    public void Detector_FindsEyesLevelAndInOrder()
    {
        using var detector = new FaceDetector(fixture.Models.DetectorPath);
        using var image = ImageLoader.Load(TestData.Portrait("grace_hopper.jpg"));
        var detection = Assert.Single(detector.Detect(image));
        Assert.Equal(FaceDetection.KeypointCount, detection.Keypoints.Length);
        Assert.True(detection.RightEye.X < detection.LeftEye.X);
        var roi = FaceRoi.FromDetection(detection);
        Assert.InRange(roi.RotationRadians, -0.15f, 0.15f); // an upright portrait
        Assert.Equal(1.5f * Math.Max(detection.Box.Width, detection.Box.Height), roi.Side, 3);
    }

    [Fact]
    public void Options_ReportEveryProblem()
    {
        var errors = new FaceAnalyzerOptions { IntraOpThreads = 0, MinDetectionScore = 2, RefinementPasses = -1 }.Validate();
        Assert.Equal(3, errors.Count);
        Assert.Empty(new FaceAnalyzerOptions().Validate());
    }

    private static Vector2 Xy(Vector3 p) => new(p.X, p.Y);

    private static void AssertInside(BoxF box, Vector3 p, float margin) =>
        Assert.True(p.X >= box.X - margin && p.X <= box.X + box.Width + margin && p.Y >= box.Y - margin && p.Y <= box.Y + box.Height + margin,
            $"point ({p.X:F1}, {p.Y:F1}) outside box {box} by more than {margin:F1} px");
}
