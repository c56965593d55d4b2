using System.Diagnostics;
using Parla.Media;

namespace Parla.Tests.Audio;

public sealed class AudioDecoderTests : IDisposable
{
    private readonly string _temp = Directory.CreateTempSubdirectory("parla-audio-").FullName;

    public void Dispose() => Directory.Delete(_temp, recursive: true);

    [Fact]
    public void AVoiceDecodedBehind_HasItsDecoderYieldTheProcessor_AndDecodesAlike()
    {
        // The demo read (FLAC): ffmpeg decodes it. The decoder is asked to yield before its samples are
        // read, so it is still there (its pipe full) to be looked at.
        var voice = Path.Combine(TestData.Root, "..", "..", "demo", "voice.flac");
        int? decoderNice = null;
        using var behind = AudioDecoder.Decode(voice, AudioDecoder.DefaultSampleRateHz, 0, CancellationToken.None, decoding =>
        {
            decoding.DecodeBehind();
            var decoder = Directory.EnumerateDirectories("/proc").Select(d => Path.GetFileName(d))
                .Where(pid => pid.All(char.IsAsciiDigit))
                .Single(pid => File.Exists($"/proc/{pid}/cmdline") && ReadOrEmpty($"/proc/{pid}/cmdline").Contains(Path.GetFullPath(voice), StringComparison.Ordinal)
                               && Niceness(pid).Parent == Environment.ProcessId);
            decoderNice = Niceness(decoder).Nice;
        });
        Assert.Equal(Math.Min(19, Niceness(Environment.ProcessId.ToString(System.Globalization.CultureInfo.InvariantCulture)).Nice + 5), decoderNice);

        using var plain = AudioDecoder.Decode(voice);
        Assert.Equal(plain.Length, behind.Length);
        var a = new float[plain.Length];
        var b = new float[plain.Length];
        plain.CopyTo(0, a);
        behind.CopyTo(0, b);
        Assert.Equal(a, b);
    }

    private static string ReadOrEmpty(string path)
    {
        try { return File.ReadAllText(path).Replace('\0', ' '); }
        catch (IOException) { return ""; }
    }

    /// <summary>A process's parent and niceness, from /proc/PID/stat (fields 4 and 19; the name in field 2 may hold spaces).</summary>
    private static (int Parent, int Nice) Niceness(string pid)
    {
        var stat = ReadOrEmpty($"/proc/{pid}/stat");
        var fields = stat[(stat.LastIndexOf(')') + 2)..].Split(' ');
        return (fields.Length > 16 ? int.Parse(fields[1], System.Globalization.CultureInfo.InvariantCulture) : -1,
                fields.Length > 16 ? int.Parse(fields[16], System.Globalization.CultureInfo.InvariantCulture) : 0);
    }

    [Fact]
    public void Decode_LibriVoxWav_GivesMonoSamplesAtTheRequestedRate()
    {
        var clip = AudioDecoder.Decode(AudioTestData.Voice("librivox_0870.wav"));

        Assert.Equal(16000, clip.SampleRateHz);
        // The file's data chunk is 227,200 bytes of 16-bit PCM (227,244 bytes minus a 44-byte header).
        Assert.Equal(113600, clip.Length);
        Assert.InRange(clip.DurationSeconds, 7.09, 7.11);
        var floats = clip.ToFloats();
        var rms = Math.Sqrt(floats.Average(s => (double)s * s));
        Assert.InRange(rms, 0.005, 0.5);
        Assert.All(floats, s => Assert.InRange(s, -1f, 1f));
    }

    [Fact]
    public void Decode_LongerThanOneReadBlock_KeepsEverySampleInOrder()
    {
        // 70 s of 16-bit PCM whose sample n is n mod 20000 (scaled): more than one 2^20-sample block,
        // so the join between blocks is checked sample by sample.
        const int rate = 16000, count = 70 * rate;
        var path = Path.Combine(_temp, "ramp.wav");
        using (var file = File.Create(path))
        using (var w = new BinaryWriter(file))
        {
            w.Write(AudioTestData.WavHeader(count * 2, rate));
            for (var n = 0; n < count; n++) w.Write((short)((n % 20000) - 10000));
        }

        var clip = AudioDecoder.Decode(path);

        Assert.Equal(count, clip.Length);
        var pcm = clip.ToPcm16();
        for (var n = 0; n < count; n++)
        {
            if (pcm[n] != (n % 20000) - 10000)
                Assert.Fail($"sample {n} is {pcm[n]}, expected {(n % 20000) - 10000}");
        }

        // Read back as floats (in blocks) and from an odd place across a block's end, the same samples.
        var floats = clip.ToFloats();
        for (var n = 0; n < count; n++)
        {
            if (floats[n] != pcm[n] / 32768f) Assert.Fail($"float sample {n} is {floats[n]}, expected {pcm[n] / 32768f}");
        }

        var middle = new short[10000];
        clip.Read(1_048_571, middle);
        Assert.Equal(pcm.AsSpan(1_048_571, 10000).ToArray(), middle);
    }

    [Fact]
    public void Decode_WhereNoTemporaryFileCanBeWritten_SaysWhereAndWhatToDo()
    {
        var missing = Path.Combine(_temp, "no-such-folder");

        var e = Assert.Throws<OutputException>(() =>
            AudioDecoder.Decode(AudioTestData.Voice("librivox_0870.wav"), AudioDecoder.DefaultSampleRateHz, "ffmpeg", missing, CancellationToken.None));

        Assert.Contains(missing, e.Message);
        Assert.Contains("TMPDIR", e.Message);
    }

    [Fact]
    public void Decode_HoldsTheVoiceInATemporaryFileThatIsGoneAtOnce()
    {
        var before = Directory.GetFiles(Path.GetTempPath(), "parla-voice-*").Length;
        var clip = AudioDecoder.Decode(AudioTestData.Voice("librivox_0870.wav"));

        // Unlinked as soon as it is open: a killed process leaves nothing behind.
        Assert.Equal(before, Directory.GetFiles(Path.GetTempPath(), "parla-voice-*").Length);
        var first = new short[4];
        clip.Read(0, first);
        clip.Dispose();
        Assert.Throws<ObjectDisposedException>(() => clip.Read(0, first));
        Assert.Throws<ArgumentOutOfRangeException>(() => AudioDecoder.Decode(AudioTestData.Voice("librivox_0870.wav")).Read(113_599, new short[2]));
    }

    [Fact]
    public void Decode_AtAnotherRate_Resamples()
    {
        var clip = AudioDecoder.Decode(AudioTestData.Voice("librivox_0930.wav"), sampleRateHz: 8000);
        var original = AudioDecoder.Decode(AudioTestData.Voice("librivox_0930.wav"));

        Assert.Equal(8000, clip.SampleRateHz);
        // Resampling keeps the duration to within a few samples of filter delay.
        Assert.InRange(clip.DurationSeconds, original.DurationSeconds - 0.005, original.DurationSeconds + 0.005);
    }

    [Fact]
    public void Decode_MissingFile_ThrowsInvalidInputNamingTheFile()
    {
        var path = Path.Combine(_temp, "nope.wav");

        var e = Assert.Throws<InvalidInputException>(() => AudioDecoder.Decode(path));

        Assert.Equal(path, e.Path);
        Assert.Contains("file not found", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Decode_TextFileNamedWav_ThrowsCouldNotBeDecodedAndKeepsFfmpegOutput()
    {
        var path = Path.Combine(_temp, "notes.wav");
        File.WriteAllText(path, "these are not sounds\n");

        var e = Assert.Throws<InvalidInputException>(() => AudioDecoder.Decode(path));

        Assert.Contains("could not be decoded", e.Message, StringComparison.Ordinal);
        var tool = Assert.IsType<ToolException>(e.InnerException);
        Assert.Contains("Invalid data", tool.ToolOutput, StringComparison.Ordinal);
    }

    [Fact]
    public void Decode_ImageFile_ThrowsNoAudioStream()
    {
        var path = Path.Combine(_temp, "pixel.png");
        File.WriteAllBytes(path, Convert.FromBase64String(
            "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8BQDwAEhQGAhKmMIQAAAABJRU5ErkJggg=="));

        var e = Assert.Throws<InvalidInputException>(() => AudioDecoder.Decode(path));

        Assert.Contains("has no audio stream", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Decode_VideoWithoutSound_ThrowsNoAudioStream()
    {
        var path = Path.Combine(_temp, "silent.mkv");
        Ffmpeg.Run("-f", "lavfi", "-i", "testsrc=duration=0.5:size=32x32:rate=10", "-c:v", "ffv1", path);

        var e = Assert.Throws<InvalidInputException>(() => AudioDecoder.Decode(path));

        Assert.Contains("has no audio stream", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Decode_EmptyFile_ThrowsInvalidInput()
    {
        var path = Path.Combine(_temp, "empty.wav");
        File.WriteAllBytes(path, []);

        var e = Assert.Throws<InvalidInputException>(() => AudioDecoder.Decode(path));

        Assert.Contains("empty", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Decode_WavWithNoSamples_ThrowsZeroLength()
    {
        var path = Path.Combine(_temp, "nothing.wav");
        File.WriteAllBytes(path, AudioTestData.WavHeader(dataBytes: 0, sampleRateHz: 16000));

        var e = Assert.Throws<InvalidInputException>(() => AudioDecoder.Decode(path));

        Assert.Contains("zero length", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Decode_FfmpegMissing_ThrowsToolExceptionSayingHowToInstall()
    {
        // At 8 kHz the 16-kHz file needs ffmpeg (at 16 kHz it would be taken as it is).
        var e = Assert.Throws<ToolException>(() =>
            AudioDecoder.Decode(AudioTestData.Voice("librivox_0930.wav"), 8000, "/nonexistent/ffmpeg"));

        Assert.Contains("apt-get install ffmpeg", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Decode_Mono16BitPcmWavAtTheRate_IsTakenWithoutFfmpeg_TheSameSamplesAsFfmpegGives()
    {
        var path = AudioTestData.Voice("librivox_0870.wav");
        using var direct = AudioDecoder.Decode(path, 16000, "/nonexistent/ffmpeg");

        // The same file with its data length unknown (as a WAV written while streaming has it): ffmpeg decodes that one.
        var streamed = Path.Combine(_temp, "streamed.wav");
        var bytes = File.ReadAllBytes(path);
        Assert.Equal("data"u8.ToArray(), bytes[36..40]);
        BitConverter.GetBytes(uint.MaxValue).CopyTo(bytes, 40);
        File.WriteAllBytes(streamed, bytes);
        using var viaFfmpeg = AudioDecoder.Decode(streamed);
        Assert.Throws<ToolException>(() => AudioDecoder.Decode(streamed, 16000, "/nonexistent/ffmpeg"));

        Assert.Equal(viaFfmpeg.ToPcm16(), direct.ToPcm16());
    }

    [Fact]
    public void Decode_WavWithOtherChunksBeforeItsSamples_IsTakenToo_AndAnotherLayoutIsNot()
    {
        // fmt, a LIST chunk of odd length (padded), then data, then a trailing chunk that is not sound.
        const int rate = 16000;
        short[] samples = [1, -2, 300, -400, 5000, -6000, 32767, -32768];
        string Write(string name, short channels, int sampleRate)
        {
            var path = Path.Combine(_temp, name);
            using var w = new BinaryWriter(File.Create(path));
            w.Write("RIFF"u8); w.Write(0); w.Write("WAVE"u8);
            w.Write("fmt "u8); w.Write(16); w.Write((short)1); w.Write(channels); w.Write(sampleRate);
            w.Write(sampleRate * 2 * channels); w.Write((short)(2 * channels)); w.Write((short)16);
            w.Write("LIST"u8); w.Write(3); w.Write("abc"u8); w.Write((byte)0);
            w.Write("data"u8); w.Write(samples.Length * 2);
            foreach (var v in samples) w.Write(v);
            w.Write("junk"u8); w.Write(4); w.Write(0x12345678);
            return path;
        }

        using var clip = AudioDecoder.Decode(Write("chunks.wav", 1, rate), rate, "/nonexistent/ffmpeg");
        Assert.Equal(samples, clip.ToPcm16());
        Assert.Throws<ToolException>(() => AudioDecoder.Decode(Write("stereo.wav", 2, rate), rate, "/nonexistent/ffmpeg"));
        Assert.Throws<ToolException>(() => AudioDecoder.Decode(Write("44k.wav", 1, 44100), rate, "/nonexistent/ffmpeg"));
    }

    [Fact]
    public async Task Decode_WhileDecoding_TheFeaturesOfTheArrivingSamplesAreTheClipsOwn()
    {
        // 100 s of MP3 (more than one segment of the features' frames): ffmpeg decodes it while the
        // features read what has arrived.
        var mp3 = Path.Combine(_temp, "voice.mp3");
        Ffmpeg.Run("-stream_loop", "13", "-i", AudioTestData.Voice("librivox_0870.wav"), "-t", "100", "-b:a", "64k", mp3);
        Task<Parla.Audio.AudioFeatures>? analysis = null;
        using var clip = AudioDecoder.Decode(mp3, AudioDecoder.DefaultSampleRateHz, gainDb: 0, CancellationToken.None, voice => analysis = Task.Run(() => Parla.Audio.AudioAnalyzer.AnalyzeWhileDecoding(voice)));
        Assert.NotNull(analysis);
        Assert.InRange(clip.DurationSeconds, 90, 100.1);
        AudioAnalyzerTests.AssertSameFeatures(Parla.Audio.AudioAnalyzer.Analyze(clip), await analysis.WaitAsync(TimeSpan.FromSeconds(60)));
    }

    [Fact]
    public async Task Decode_WhileDecoding_AFileThatIsNotSound_StopsTheFeaturesAndSaysWhy()
    {
        var path = Path.Combine(_temp, "notes.mp3");
        File.WriteAllText(path, "not a recording");
        Task<Parla.Audio.AudioFeatures>? analysis = null;
        var e = Assert.Throws<InvalidInputException>(() => AudioDecoder.Decode(path, AudioDecoder.DefaultSampleRateHz, gainDb: 0, CancellationToken.None, voice => analysis = Task.Run(() => Parla.Audio.AudioAnalyzer.AnalyzeWhileDecoding(voice))));
        Assert.Contains(path, e.Message);
        Assert.NotNull(analysis);
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => analysis.WaitAsync(TimeSpan.FromSeconds(30)));
    }

    [Fact]
    public void Decode_CancelledToken_ThrowsOperationCanceled()
    {
        using var cts = new CancellationTokenSource();
        cts.Cancel();

        Assert.ThrowsAny<OperationCanceledException>(() =>
            AudioDecoder.Decode(AudioTestData.Voice("librivox_0870.wav"), ct: cts.Token));
    }

    [Fact]
    public void BuildArguments_AskForMono16BitPcmOnStdout()
    {
        var arguments = AudioDecoder.BuildArguments("/in/a b.m4a", 22050);

        Assert.Equal(
            ["-loglevel", "level+info", "-hide_banner", "-nostats", "-nostdin", "-i", "/in/a b.m4a", "-vn", "-ac", "1", "-ar", "22050", "-f", "s16le", "-"],
            arguments);
    }

    [Fact]
    public async Task ReadLog_KeepsTheErrorsUnmarked_AndGivesTheContainersDuration()
    {
        const string log = "[info] Input #0, mp3, from 'x.mp3':\n[info]   Duration: 01:02:03.50, start: 0.025057, bitrate: 128 kb/s\n"
            + "[error] x.mp3: Header missing\n[info] Stream mapping:\n[warning] a warning\n[mp3 @ 0x55d0] [warning] filesize and duration do not match\n"
            + "[mp3float @ 0x55d1] [error] invalid new backstep -1\n[fatal] broken\n[info] size=  18750kB\n";
        var seconds = new TaskCompletionSource<double?>();
        var errors = await AudioDecoder.ReadLogAsync(new StringReader(log), seconds);
        Assert.Equal(["x.mp3: Header missing", "[mp3float @ 0x55d1] invalid new backstep -1", "broken"], errors.Split(Environment.NewLine, StringSplitOptions.RemoveEmptyEntries));
        Assert.Equal(3723.5, await seconds.Task);
    }

    [Theory]
    [InlineData("[info] Input #0, wav, from 'x.wav':\n[info]   Duration: N/A, bitrate: N/A\n[info] Stream mapping:\n")]
    [InlineData("[info] Input #0, wav, from 'x.wav':\n[info] Stream mapping:\n[info]   Duration: 00:00:01.00, start: 0\n")]
    [InlineData("[error] x.wav: Invalid data found when processing input\n")]
    public async Task ReadLog_GivesNoDuration_WhereTheContainerSaysNoneBeforeTheDecoding(string log)
    {
        var seconds = new TaskCompletionSource<double?>();
        await AudioDecoder.ReadLogAsync(new StringReader(log), seconds);
        Assert.Null(await seconds.Task);
    }

    [Theory]
    // The output's own track, described after "Output #0" in the same words, is not the input's.
    [InlineData("[info]   Stream #0:0: Audio: pcm_s16le ([1][0][0][0] / 0x0001), 16000 Hz, mono, s16, 256 kb/s\n[info] Output #0, s16le, to 'pipe:':\n"
        + "[info]   Stream #0:0: Audio: pcm_s16le, 16000 Hz, stereo, s16, 256 kb/s\n", 1)]
    [InlineData("[info]   Stream #0:0: Audio: mp3, 44100 Hz, stereo, fltp, 128 kb/s\n", 2)]
    [InlineData("[info]   Stream #0:0: Audio: pcm_s16le ([1][0][0][0] / 0x0001), 16000 Hz, 5.1, s16, 1536 kb/s\n", 2)]
    // A video's sound track after its picture.
    [InlineData("[info]   Stream #0:0[0x1](und): Video: h264 (High) (avc1 / 0x31637661), yuv420p(progressive), 64x64, 12 kb/s, 25 fps (default)\n"
        + "[info]   Stream #0:1[0x2](und): Audio: aac (LC) (mp4a / 0x6134706D), 44100 Hz, stereo, fltp, 127 kb/s (default)\n[info] Stream mapping:\n", 2)]
    [InlineData("[info]   Stream #0:0: Audio: opus, 48000 Hz, mono, fltp\n", 1)]
    // Described in words not read: mono, as the sound always was.
    [InlineData("[info]   Stream #0:0: Audio: something new\n[info] Stream mapping:\n", 1)]
    public async Task ReadLog_SaysWhetherTheInputsSoundIsMonoOrMore(string log, int channels)
    {
        var said = new List<int>();
        await AudioDecoder.ReadLogAsync(new StringReader(log), new TaskCompletionSource<double?>(), said.Add);
        Assert.Equal([channels], said);
    }

    [Fact]
    public void AVoiceBeingDecoded_SaysHowLongItsContainerSaysItIs()
    {
        var path = Path.Combine(TestData.Root, "..", "..", "demo", "voice.flac");
        double? said = null;
        using var clip = AudioDecoder.Decode(path, 16000, 0, CancellationToken.None, voice => said = voice.ContainerSeconds(CancellationToken.None));
        Assert.NotNull(said);
        Assert.InRange(said.Value, clip.DurationSeconds - 0.01, clip.DurationSeconds + 0.01);
    }

    [Theory]
    [InlineData("Output file #0 does not contain any stream\n")] // ffmpeg 5
    [InlineData("Output file does not contain any stream\n")] // ffmpeg 6 and later
    public void DescribeFailure_NoStreamMessages_MeanNoAudio(string stderr)
    {
        var e = Assert.IsType<InvalidInputException>(AudioDecoder.DescribeFailure("x.png", 1, stderr));

        Assert.Contains("has no audio stream", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void DescribeFailure_OtherErrors_QuoteTheFirstNonEmptyLine()
    {
        var e = Assert.IsType<InvalidInputException>(
            AudioDecoder.DescribeFailure("x.wav", 1, "\n  x.wav: Invalid data found when processing input\nmore\n"));

        Assert.Equal("x.wav: could not be decoded: x.wav: Invalid data found when processing input "
            + "Give a recording ffmpeg reads (WAV, MP3, M4A, FLAC, Ogg, Opus, …), or a video with a sound track.", e.Message);
    }
}
