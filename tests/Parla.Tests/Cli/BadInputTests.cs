using Parla.Cli;

namespace Parla.Tests.Cli;

/// <summary>
/// Each bad input ends with exit code 2, one short message that names the file and what is wrong,
/// no stack trace, and no output file left behind.
/// </summary>
public sealed class BadInputTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("parla-bad-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private string Out => Path.Combine(_dir, "out.mp4");

    private (int Code, string Error) Animate(string image, string audio, string? output = null)
    {
        var (code, _, error) = InProcessCli.Run("animate", image, audio, "-o", output ?? Out, "--consent", "Test of bad inputs on public-domain portraits.");
        return (code, error);
    }

    private void AssertRefused((int Code, string Error) result, params string[] expected)
    {
        Assert.Equal(ExitCodes.BadInput, result.Code);
        foreach (var e in expected) Assert.Contains(e, result.Error);
        Assert.DoesNotContain("   at ", result.Error); // no stack trace
        Assert.True(result.Error.Trim().Split('\n').Length <= 2, result.Error);
        Assert.DoesNotContain(Directory.GetFiles(_dir), f => f.EndsWith(".mp4", StringComparison.Ordinal) || f.Contains(".partial"));
    }

    [Fact]
    public void AnOutputThatNamesTheVoice_IsRefusedAndTheVoiceKept()
    {
        // A voice in a QuickTime file (the sound of a phone's video) named as the output too: the video
        // would have been renamed over it at the end.
        var voice = Path.Combine(_dir, "voice.mov");
        Ffmpeg.Run("-i", TestData.Voice("librivox_0930.wav"), "-c:a", "aac", voice);
        var before = File.ReadAllBytes(voice);
        AssertRefused(Animate(TestData.Portrait("astronaut.png"), voice, voice), voice, "is the voice this run reads");
        Assert.Equal(before, File.ReadAllBytes(voice));
        Assert.False(File.Exists(voice + ".manifest.json"));
    }

    [Theory]
    [InlineData("")]
    [InlineData(".manifest.json")]
    public void AMotionTrackNamedAsTheVideoOrItsManifest_IsRefusedBeforeAnyWork(string suffix)
    {
        // Written last, the track replaced the video (whose signing then failed, and the video was
        // removed) or its manifest (silently: both "written").
        var (code, _, error) = InProcessCli.Run("animate", TestData.Portrait("astronaut.png"), TestData.Voice("librivox_0930.wav"), "-o", Out,
            "--motion-json", Out + suffix, "--consent", "Test of bad inputs on public-domain portraits.");
        AssertRefused((code, error), Out + suffix, "this run writes; --motion-json needs a name of its own, such as out.motion.json");
        Assert.Empty(Directory.GetFiles(_dir));
    }

    [Fact]
    public void AnOutputNameTooLongForItsManifest_IsRefusedBeforeAnyWork()
    {
        // 250 characters: a legal name, but its manifest's (264) is not. The render ran to its end and
        // then failed with "unexpected error" (after its hidden file, ".NAME.PID.partial", had failed first).
        var output = Path.Combine(_dir, new string('a', 246) + ".mp4");
        AssertRefused(Animate(TestData.Portrait("astronaut.png"), TestData.Voice("librivox_0930.wav"), output),
            "the name is too long for the manifest written beside it", "264 bytes", "Choose a shorter name.");
    }

    [Fact]
    public void AnOutputNameJustShortEnough_IsWritten_ThoughItsHiddenFileIsNamedShorter()
    {
        // 240 characters: the manifest's name is 254 bytes; the hidden file the video is written to first
        // would have been 257, and is named from the output's first 229 bytes.
        var output = Path.Combine(_dir, new string('b', 236) + ".mp4");
        var (code, error) = Animate(TestData.Portrait("astronaut.png"), TestData.Voice("librivox_0880.wav"), output);
        Assert.True(code == ExitCodes.Success, error);
        Assert.True(File.Exists(output) && File.Exists(output + ".manifest.json"));
        Assert.DoesNotContain(Directory.GetFiles(_dir), f => f.Contains(".partial", StringComparison.Ordinal));
    }

    [Fact]
    public void MissingImage()
    {
        var missing = Path.Combine(_dir, "missing.jpg");
        AssertRefused(Animate(missing, TestData.Voice("librivox_0930.wav")), missing, "not found");
    }

    [Fact]
    public void MissingAudio()
    {
        var missing = Path.Combine(_dir, "missing.wav");
        AssertRefused(Animate(TestData.Portrait("astronaut.png"), missing), missing, "not found");
    }

    [Fact]
    public void TextFileAsImage()
    {
        var text = Path.Combine(_dir, "portrait.jpg");
        File.WriteAllText(text, "hello");
        AssertRefused(Animate(text, TestData.Voice("librivox_0930.wav")), text, "not an image");
    }

    [Fact]
    public void TruncatedJpeg()
    {
        var bytes = File.ReadAllBytes(TestData.Portrait("grace_hopper.jpg"));
        var cut = Path.Combine(_dir, "cut.jpg");
        File.WriteAllBytes(cut, bytes[..(bytes.Length / 3)]);
        AssertRefused(Animate(cut, TestData.Voice("librivox_0930.wav")), cut, "truncated");
    }

    [Fact]
    public void AudioWithoutAudioStream()
    {
        // A PNG is something ffmpeg opens, but it has no audio stream.
        var image = TestData.Portrait("astronaut.png");
        AssertRefused(Animate(image, image), image, "audio");
    }

    [Fact]
    public void ZeroLengthAudio()
    {
        var empty = Path.Combine(_dir, "empty.wav");
        // A valid 16-bit mono WAV header with no samples.
        using (var w = new BinaryWriter(File.Create(empty)))
        {
            w.Write("RIFF"u8); w.Write(36); w.Write("WAVE"u8);
            w.Write("fmt "u8); w.Write(16); w.Write((short)1); w.Write((short)1); w.Write(16000); w.Write(32000); w.Write((short)2); w.Write((short)16);
            w.Write("data"u8); w.Write(0);
        }
        AssertRefused(Animate(TestData.Portrait("astronaut.png"), empty), empty);
    }

    [Fact]
    public void ImageWithoutFace()
    {
        var blank = TestData.WriteSolidPng(Path.Combine(_dir, "wall.png"), 320, 240, 120, 130, 140);
        AssertRefused(Animate(blank, TestData.Voice("librivox_0930.wav")), blank, "No face found", "--landmarks");
    }

    [Fact]
    public void UnwritableOutput()
    {
        var output = Path.Combine(_dir, "no-such-folder", "out.mp4");
        AssertRefused(Animate(TestData.Portrait("astronaut.png"), TestData.Voice("librivox_0930.wav"), output), output, "does not exist");
    }

    [Theory]
    [InlineData("out.webm")]
    [InlineData("out.mkv")]
    [InlineData("out")]
    public void OutputNamedAsAnotherFormat_IsRefusedBeforeAnyWork(string name)
    {
        // The file would hold MP4 whatever its name; a player that trusts a .webm name fails on it.
        var output = Path.Combine(_dir, name);
        AssertRefused(Animate(TestData.Portrait("astronaut.png"), TestData.Voice("librivox_0930.wav"), output), output, "MP4", ".mp4");
        Assert.False(File.Exists(output));
    }

    [Fact]
    public void NoConsent_ExplainsWhyAndStops()
    {
        var stderr = new StringWriter();
        var previous = Environment.GetEnvironmentVariable("PARLA_CONSENT");
        Environment.SetEnvironmentVariable("PARLA_CONSENT", null);
        try
        {
            var code = Program.Run(["animate", TestData.Portrait("astronaut.png"), TestData.Voice("librivox_0930.wav"), "-o", Out], new StringWriter(), stderr);
            AssertRefused((code, stderr.ToString()), "consent", "--consent", "I am the person shown");
        }
        finally
        {
            Environment.SetEnvironmentVariable("PARLA_CONSENT", previous);
        }
    }

    [Fact]
    public void BadOption()
    {
        var stderr = new StringWriter();
        var code = Program.Run(["animate", "a.png", "b.wav", "-o", Out, "--fps", "0"], new StringWriter(), stderr);
        Assert.Equal(ExitCodes.BadInput, code);
        Assert.Contains("--fps", stderr.ToString());
    }
}
