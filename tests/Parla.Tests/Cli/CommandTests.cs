using System.Text.Json;
using Parla.Cli;

namespace Parla.Tests.Cli;

/// <summary>The commands other than animate, run in-process on the real models.</summary>
public sealed class CommandTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("parla-cli-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    [Fact]
    public void Landmarks_Json_PrintsOneFaceOf468Points_AndWritesTheOverlay()
    {
        var overlay = Path.Combine(_dir, "overlay.png");
        var (code, output, error) = InProcessCli.Run("landmarks", TestData.Portrait("astronaut.png"), "--json", "--overlay", overlay);
        Assert.True(code == ExitCodes.Success, error);
        using var json = JsonDocument.Parse(output);
        var faces = json.RootElement.GetProperty("faces");
        Assert.Equal(1, faces.GetArrayLength());
        Assert.Equal(468, faces[0].GetProperty("points").GetArrayLength());
        Assert.Equal(4, faces[0].GetProperty("box").GetArrayLength());
        Assert.True(new FileInfo(overlay).Length > 1000);
    }

    [Fact]
    public void TwoPeopleOfDifferentSizes_AreBothListed_AndFaceOneIsTheSmallerOneAnimated()
    {
        // The astronaut beside Grace Hopper: her face 100 px wide, Grace's 200. The search stopped at
        // the first pass that found a face, so the smaller went unlisted and `--face 1` had "no face 1".
        var pair = Path.Combine(_dir, "pair.png");
        Ffmpeg.Run("-i", TestData.Portrait("astronaut.png"), "-i", TestData.Portrait("grace_hopper.jpg"),
            "-filter_complex", "[0]pad=1024:600[a];[a][1]overlay=512:0", "-frames:v", "1", pair);
        var (code, output, error) = InProcessCli.Run("landmarks", pair, "--json");
        Assert.True(code == ExitCodes.Success, error);
        using var json = JsonDocument.Parse(output);
        var boxes = json.RootElement.GetProperty("faces").EnumerateArray().Select(f => f.GetProperty("box").EnumerateArray().Select(v => v.GetSingle()).ToArray()).ToList();
        Assert.Equal(2, boxes.Count);
        Assert.True(boxes[0][0] > 512 && boxes[1][0] + boxes[1][2] < 512, $"boxes at x {boxes[0][0]:0} and {boxes[1][0]:0}");

        var video = Path.Combine(_dir, "pair.mp4");
        (code, _, error) = InProcessCli.Run("animate", pair, TestData.Voice("librivox_0880.wav"), "-o", video, "--face", "1", "--consent", "A test on two public-domain portraits.");
        Assert.True(code == ExitCodes.Success, error);
        // What moves is the astronaut's face; Grace Hopper's stays as she is.
        var frames = VideoFrames.Read(video, 1024, 600).ToList();
        double Change(int x0, int x1) => frames.Skip(1).Sum(f => Enumerable.Range(60, 200).Sum(y =>
            Enumerable.Range(x0, x1 - x0).Sum(x => Math.Abs(f.GetRowSpan(y)[x * 4] - frames[0].GetRowSpan(y)[x * 4]))));
        var astronaut = Change(150, 300);
        var grace = Change(650, 800);
        foreach (var frame in frames) frame.Dispose();
        Assert.True(astronaut > 20 * (grace + 1), $"change over the astronaut's face {astronaut:0}, over Grace Hopper's {grace:0}");
    }

    [Fact]
    public void Landmarks_OfAPhotoLargerThanTheAnalysedSize_AreInItsOwnPixels_AndTheOverlayIsAnalysedSize()
    {
        // 6000×6000: analysed at 4096 (decoded at five eighths, then resampled), its landmarks scaled back.
        var photo = Path.Combine(_dir, "large.jpg");
        Ffmpeg.Run("-i", TestData.Portrait("astronaut.png"), "-vf", "scale=6000:6000:flags=bicubic", "-q:v", "3", photo);
        var overlay = Path.Combine(_dir, "overlay.png");
        var (code, output, error) = InProcessCli.Run("landmarks", photo, "--json", "--overlay", overlay);
        Assert.True(code == ExitCodes.Success, error);
        (code, var small, error) = InProcessCli.Run("landmarks", TestData.Portrait("astronaut.png"), "--json");
        Assert.True(code == ExitCodes.Success, error);

        static (float[] Box, float[][] Points) First(string json)
        {
            using var document = JsonDocument.Parse(json);
            var face = document.RootElement.GetProperty("faces")[0];
            return (face.GetProperty("box").EnumerateArray().Select(v => v.GetSingle()).ToArray(),
                face.GetProperty("points").EnumerateArray().Select(p => p.EnumerateArray().Select(v => v.GetSingle()).ToArray()).ToArray());
        }

        var (_, points) = First(output);
        var (_, smallPoints) = First(small);
        const float Factor = 6000f / 512;
        // The faces' widths as their landmarks span them (the detector's box comes from whichever pass
        // of the search saw the face best, and differs between the two sizes by more than the scaling).
        static float Width(float[][] p) => p.Max(q => q[0]) - p.Min(q => q[0]);
        Assert.Equal(Width(smallPoints) * Factor, Width(points), Width(smallPoints) * Factor * 0.02f);
        var meanDistance = points.Zip(smallPoints, (p, q) => MathF.Sqrt(MathF.Pow(p[0] - (q[0] * Factor), 2) + MathF.Pow(p[1] - (q[1] * Factor), 2))).Average();
        Assert.True(meanDistance < Width(points) * 0.01f, $"landmarks {meanDistance:0.0} px from the small image's, scaled, on a face {Width(points):0} px wide");
        using var drawn = Parla.Media.ImageLoader.Load(overlay);
        Assert.Equal((Parla.Cli.LandmarksCommand.MaxAnalysedSide, Parla.Cli.LandmarksCommand.MaxAnalysedSide), (drawn.Width, drawn.Height));
    }

    [Fact]
    public void Rig_IsSaved_AndAnimateUsesIt()
    {
        var rig = Path.Combine(_dir, "rig.json");
        var (code, _, error) = InProcessCli.Run("rig", TestData.Portrait("astronaut.png"), "-o", rig);
        Assert.True(code == ExitCodes.Success, error);
        var video = Path.Combine(_dir, "talk.mp4");
        (code, _, error) = InProcessCli.Run("animate", TestData.Portrait("astronaut.png"), TestData.Voice("librivox_0930.wav"), "--rig", rig, "-o", video, "--consent", "Test on a public-domain NASA portrait.");
        Assert.True(code == ExitCodes.Success, error);
        Assert.Contains("codec_name=h264", MediaProbe.Run(video));
    }

    [Fact]
    public void Rig_ForAnotherSize_IsRefused()
    {
        var rig = Path.Combine(_dir, "rig.json");
        Assert.Equal(ExitCodes.Success, InProcessCli.Run("rig", TestData.Portrait("astronaut.png"), "-o", rig, "--max-size", "256").Code);
        var (code, _, error) = InProcessCli.Run("pose", TestData.Portrait("astronaut.png"), "--rig", rig, "-o", Path.Combine(_dir, "p.png"));
        Assert.Equal(ExitCodes.BadInput, code);
        Assert.Contains("--max-size", error);
    }

    [Fact]
    public void Rig_ThatIsNotARig_IsRefused_NamingTheFile()
    {
        var rig = Path.Combine(_dir, "rig.json");
        File.WriteAllText(rig, "{\"Version\": 1, \"Positions\": [[1, 2");
        var (code, _, error) = InProcessCli.Run("pose", TestData.Portrait("astronaut.png"), "--rig", rig, "-o", Path.Combine(_dir, "p.png"));
        Assert.Equal(ExitCodes.BadInput, code);
        Assert.Contains(rig, error);
        Assert.Contains("parla rig", error);
        Assert.False(File.Exists(Path.Combine(_dir, "p.png")));
    }

    [Fact]
    public void Pose_RendersTheState_AndOpensTheMouth()
    {
        var closed = Path.Combine(_dir, "closed.png");
        var open = Path.Combine(_dir, "open.png");
        Assert.Equal(ExitCodes.Success, InProcessCli.Run("pose", TestData.Portrait("astronaut.png"), "-o", closed).Code);
        var (code, _, error) = InProcessCli.Run("pose", TestData.Portrait("astronaut.png"), "--state", "{\"jawOpen\":0.8,\"yaw\":8}", "-o", open);
        Assert.True(code == ExitCodes.Success, error);
        Assert.NotEqual(File.ReadAllBytes(closed), File.ReadAllBytes(open));
    }

    [Theory]
    [InlineData("{\"jawOpn\":1}", "jawOpn")]
    [InlineData("not json", "not valid JSON")]
    public void Pose_BadState_IsExplained(string state, string expected)
    {
        var (code, _, error) = InProcessCli.Run("pose", TestData.Portrait("astronaut.png"), "--state", state, "-o", Path.Combine(_dir, "p.png"));
        Assert.Equal(ExitCodes.BadInput, code);
        Assert.Contains(expected, error);
    }

    [Fact]
    public void Help_ExplainsEveryCommand()
    {
        foreach (var command in new[] { "animate", "landmarks", "rig", "pose", "demo" })
        {
            var (code, output, _) = InProcessCli.Run(command, "--help");
            Assert.Equal(ExitCodes.Success, code);
            Assert.Contains("Usage:", output);
            Assert.Contains($"parla {command}", output);
        }
    }

    [Theory]
    [InlineData("auto", "parla: mouth from English phones (the voice is confidently English)")]
    [InlineData("none", "parla: mouth from the sound (--language none)")]
    public void Animate_SaysWhatMovedTheMouth(string language, string line)
    {
        var video = Path.Combine(_dir, $"{language}.mp4");
        var (code, _, error) = InProcessCli.Run("animate", TestData.Portrait("astronaut.png"), TestData.Voice("librivox_0930.wav"), "-o", video,
            "--max-size", "128", "--language", language, "--consent", "Public-domain test portrait and voice.");
        Assert.True(code == ExitCodes.Success, error);
        Assert.Contains(line + Environment.NewLine, error);
    }

    [Fact]
    public void Animate_OfSilence_SaysNoVoiceIsHeard()
    {
        var silence = Path.Combine(_dir, "silence.wav");
        Parla.Tests.Audio.AudioTestData.WriteWav(silence, new float[2 * 16000]);
        var (code, _, error) = InProcessCli.Run("animate", TestData.Portrait("astronaut.png"), silence, "-o", Path.Combine(_dir, "silence.mp4"),
            "--max-size", "128", "--consent", "Public-domain test portrait.");
        Assert.True(code == ExitCodes.Success, error);
        Assert.Contains("parla: mouth from the sound (no voice is heard in it)" + Environment.NewLine, error);
    }

    [Fact]
    public void Animate_WithFivePoints_MakesAVideoEvenWhereNoFaceIsDetected()
    {
        // A plain grey picture: the detector finds nothing, five hand-placed points still give a video.
        var blank = TestData.WriteSolidPng(Path.Combine(_dir, "blank.png"), 320, 400, 200, 170, 150);
        var points = Path.Combine(_dir, "points5.json");
        File.WriteAllText(points, "{\"points5\": [[130, 170], [190, 170], [160, 210], [135, 250], [185, 250]]}");
        var video = Path.Combine(_dir, "five.mp4");
        var (code, _, error) = InProcessCli.Run("animate", blank, TestData.Voice("librivox_0930.wav"), "--landmarks", points, "-o", video,
            "--consent", "Synthetic test picture, no person shown.");
        Assert.True(code == ExitCodes.Success, error);
        Assert.Contains("codec_name=h264", MediaProbe.Run(video));
    }
}
