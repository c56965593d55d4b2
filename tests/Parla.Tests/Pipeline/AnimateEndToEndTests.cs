using Parla.Face;
using Parla.Media;
using Parla.Motion;
using Parla.Pipeline;

namespace Parla.Tests.Pipeline;

/// <summary>
/// The whole pipeline on real inputs, judged from the outside: the output video is decoded and the
/// face model measures it again, frame by frame.
/// </summary>
public sealed class AnimateEndToEndTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("parla-e2e-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    [Fact]
    public void SameInputsAndSeed_GiveTheSameVideoStream_ByteForByte()
    {
        // English phones, parallel audio analysis, the face fitted beside the motion, the watermark:
        // all of it must come out the same. Only the signed record appended after the video (its time
        // and signature) differs between runs; another seed gives another video.
        var portraitPath = TestData.Portrait("grace_hopper.jpg");
        var voicePath = TestData.Voice("librivox_0930.wav");
        string Render(string name, int seed)
        {
            var output = Path.Combine(_dir, name);
            new Animator().Run(new AnimateRequest(portraitPath, voicePath, output, new AnimateOptions
            {
                Consent = TestData.Consent,
                Seed = seed,
                Portrait = new PortraitOptions { MaxSidePixels = 256 },
            }));
            return Parla.Provenance.Mp4Container.ComputeVideoStreamSha256(output);
        }

        var first = Render("a.mp4", 7);
        var second = Render("b.mp4", 7);
        var other = Render("c.mp4", 8);

        Assert.Equal(first, second);
        Assert.NotEqual(first, other);
    }

    [Fact]
    public void Auto_LeavesANoisyVoiceToTheAcousticPath()
    {
        // A LibriVox clip with white noise 17 dB under it: the recogniser, still confident, mishears
        // its consonants, so auto must move the mouth as --language none does. The clean clip stands
        // above the bar and stays with the phones.
        using var clean = AudioDecoder.Decode(TestData.Voice("librivox_0870.wav"));
        using var noisy = Parla.Tests.Motion.VisemeAgreementTests.WithWhiteNoise(clean, snrDb: 17, seed: 5);
        var voicePath = Path.Combine(_dir, "noisy.wav");
        Parla.Tests.Audio.AudioTestData.WriteWav(voicePath, noisy.ToFloats());
        double LoudOverQuietDb(AudioClip clip)
        {
            using var cleaned = Parla.Audio.NoiseReduction.Clean(clip, out var db);
            return db;
        }

        Assert.False(Animator.TooNoisyForPhones(LoudOverQuietDb(clean)), "the clean clip passes for noisy");
        Assert.True(Animator.TooNoisyForPhones(LoudOverQuietDb(noisy)), "the noisy clip passes for clean");

        AnimateResult Render(LanguageMode language, double chapterSeconds = VoiceChapters.ChapterSeconds) => new Animator().Run(new AnimateRequest(TestData.Portrait("grace_hopper.jpg"), voicePath,
            Path.Combine(_dir, $"{language}.mp4"), new AnimateOptions
            {
                Consent = TestData.Consent,
                Language = language,
                Portrait = new PortraitOptions { MaxSidePixels = 256 },
                ChapterSeconds = chapterSeconds,
            }));

        var auto = Render(LanguageMode.Auto);
        Assert.Equal(Render(LanguageMode.None).Motion.Frames, auto.Motion.Frames);
        Assert.StartsWith("the sound (noise or music under the voice", auto.Mouth, StringComparison.Ordinal);

        // In chapters of 3 s, each chapter is judged, cleaned and left to the sound on its own.
        var chaptered = Render(LanguageMode.Auto, chapterSeconds: 3);
        Assert.Equal(Render(LanguageMode.None, chapterSeconds: 3).Motion.Frames, chaptered.Motion.Frames);
        Assert.StartsWith("the sound (noise or music under the voice", chaptered.Mouth, StringComparison.Ordinal);
        Assert.EndsWith("the voice heard in 3 chapters of 3 s, each on its own", chaptered.Mouth, StringComparison.Ordinal);
        Assert.NotEqual(auto.Motion.Frames, chaptered.Motion.Frames);
    }

    [Fact]
    public void AQuietVoice_IsRaisedBeforeItIsAnalysed_AndMovesTheMouthAsTheVoiceAtItsLevelDoes()
    {
        // A LibriVox clip 45 dB under its level (peaks near −50 dBFS): the activity track, the pitch
        // track and the recogniser met it as near silence — the mouth hardly moved and the voice was
        // not confidently English. The video keeps the voice as given.
        var clip = AudioDecoder.Decode(TestData.Voice("librivox_0870.wav")).ToFloats();
        var quietPath = Path.Combine(_dir, "quiet.wav");
        var gain = (float)Math.Pow(10, -45 / 20.0);
        Parla.Tests.Audio.AudioTestData.WriteWav(quietPath, clip.Select(x => x * gain).ToArray());
        using (var quiet = AudioDecoder.Decode(quietPath))
        {
            Assert.InRange(Parla.Audio.Loudness.GainFor(quiet), 25, 50);
        }

        AnimateResult Render(string voicePath, string name) => new Animator().Run(new AnimateRequest(TestData.Portrait("grace_hopper.jpg"), voicePath,
            Path.Combine(_dir, name), new AnimateOptions { Consent = TestData.Consent, Portrait = new PortraitOptions { MaxSidePixels = 256 } }));
        static float P90(AnimateResult r) => r.Motion.Frames.Select(s => s.JawOpen).Order().ElementAt(r.Motion.FrameCount * 9 / 10);

        var loud = Render(TestData.Voice("librivox_0870.wav"), "loud.mp4");
        var raised = Render(quietPath, "quiet.mp4");
        Assert.StartsWith("English phones", raised.Mouth, StringComparison.Ordinal);
        Assert.InRange(P90(raised), 0.8f * P90(loud), 1.2f * P90(loud));
    }

    [Fact]
    public void AVoiceUnderAHeldChordAsLoud_MovesTheMouth()
    {
        // The chord hid the voice from the activity track: "no voice is heard in it", the mouth shut
        // through the whole clip. Taken out, the voice moves the mouth from the sound.
        var voice = AudioDecoder.Decode(TestData.Voice("librivox_0870.wav")).ToFloats();
        var chord = Enumerable.Range(0, voice.Length)
            .Select(n => (float)(Math.Sin(2 * Math.PI * 131 * n / 16000.0) + Math.Sin(2 * Math.PI * 262 * n / 16000.0) + Math.Sin(2 * Math.PI * 330 * n / 16000.0) + Math.Sin(2 * Math.PI * 392 * n / 16000.0)))
            .ToArray();
        var gain = (float)(Parla.Tests.Motion.MotionGeneratorTests.Rms(voice) / Parla.Tests.Motion.MotionGeneratorTests.Rms(chord));
        var path = Path.Combine(_dir, "chord.wav");
        Parla.Tests.Audio.AudioTestData.WriteWav(path, voice.Select((x, i) => 0.5f * (x + (gain * chord[i]))).ToArray());
        var result = new Animator().Run(new AnimateRequest(TestData.Portrait("grace_hopper.jpg"), path, Path.Combine(_dir, "chord.mp4"),
            new AnimateOptions { Consent = TestData.Consent, Portrait = new PortraitOptions { MaxSidePixels = 256 } }));
        var jaw = result.Motion.Frames.Select(s => s.JawOpen).Order().ToArray();
        Assert.DoesNotContain("no voice", result.Mouth, StringComparison.Ordinal);
        Assert.True(jaw[jaw.Length * 9 / 10] > 0.3f, $"jaw p90 {jaw[jaw.Length * 9 / 10]:0.00}");
    }

    [Fact]
    public void AStereoVoice_KeepsItsTwoChannelsInTheVideo_AndAMonoOneStaysMono()
    {
        // A song's voice on the left and a held tone on the right, as a stereo track in an M4A: the
        // video's sound was always mixed down to mono.
        var stereo = Path.Combine(_dir, "stereo.m4a");
        Ffmpeg.Run("-i", TestData.Voice("librivox_0880.wav"), "-f", "lavfi", "-i", "sine=frequency=330:sample_rate=16000",
            "-filter_complex", "[0:a][1:a]amerge=inputs=2[a]", "-map", "[a]", "-c:a", "aac", "-b:a", "192k", stereo);
        string Render(string voicePath, string name)
        {
            var output = Path.Combine(_dir, name);
            new Animator().Run(new AnimateRequest(TestData.Portrait("grace_hopper.jpg"), voicePath, output,
                new AnimateOptions { Consent = TestData.Consent, Portrait = new PortraitOptions { MaxSidePixels = 128 } }));
            return output;
        }

        var video = Render(stereo, "stereo.mp4");
        Assert.Contains("channels=2", MediaProbe.Run(video));
        var raw = Path.Combine(_dir, "sound.raw");
        Ffmpeg.Run("-i", video, "-map", "0:a", "-f", "f32le", "-ac", "2", "-ar", "16000", raw);
        var samples = System.Runtime.InteropServices.MemoryMarshal.Cast<byte, float>(File.ReadAllBytes(raw)).ToArray();
        var left = samples.Where((_, i) => i % 2 == 0).ToArray();
        var right = samples.Where((_, i) => i % 2 == 1).ToArray();
        using var voice = AudioDecoder.Decode(TestData.Voice("librivox_0880.wav"));
        var frames = Math.Min(voice.Length, left.Length) / 320;
        double[] Envelope(float[] x) => Enumerable.Range(0, frames).Select(f => Math.Sqrt(x.Skip(f * 320).Take(320).Average(v => (double)v * v))).ToArray();
        // The left channel follows the voice's level; the right holds the tone's.
        var voiceLevel = Envelope(voice.ToFloats());
        var leftLevel = Envelope(left);
        var rightLevel = Envelope(right);
        Assert.True(Statistics.Pearson(leftLevel, voiceLevel) > 0.95, $"left against the voice: r {Statistics.Pearson(leftLevel, voiceLevel):0.000}");
        var steady = rightLevel.Skip(5).SkipLast(5).ToArray();
        var spread = Math.Sqrt(steady.Average(v => (v - steady.Average()) * (v - steady.Average())));
        Assert.True(spread < 0.05 * steady.Average(), $"right level s.d. {spread:0.0000} of mean {steady.Average():0.0000}");

        Assert.Contains("channels=1", MediaProbe.Run(Render(TestData.Voice("librivox_0880.wav"), "mono.mp4")));
    }

    [Fact]
    public void ASavedTrack_GivenBack_MovesTheFaceAsSaved_AndSaysWhereTheVoiceOutlastsIt()
    {
        var track = Path.Combine(_dir, "track.json");
        AnimateResult Render(string voice, string name, AnimateOptions options) => new Animator().Run(new AnimateRequest(TestData.Portrait("grace_hopper.jpg"),
            TestData.Voice(voice), Path.Combine(_dir, name), options with { Consent = TestData.Consent, Portrait = new PortraitOptions { MaxSidePixels = 128 } }));

        var saved = Render("librivox_0880.wav", "saved.mp4", new AnimateOptions { MotionJsonPath = track });
        var given = Render("librivox_0880.wav", "given.mp4", new AnimateOptions { MotionInPath = track });
        Assert.Equal("the given track (--motion-in)", given.Mouth);
        Assert.Equal(saved.Motion.FrameCount, given.Motion.FrameCount);
        // The file keeps four decimals.
        Assert.All(Enumerable.Range(0, saved.Motion.FrameCount), f =>
        {
            Assert.Equal(saved.Motion.Frames[f].JawOpen, given.Motion.Frames[f].JawOpen, 1e-4f);
            Assert.Equal(saved.Motion.Frames[f].HeadYawDegrees, given.Motion.Frames[f].HeadYawDegrees, 1e-4f);
        });

        // A longer voice: the track's last frame holds to the end, and the run says so.
        var longer = Render("librivox_0870.wav", "longer.mp4", new AnimateOptions { MotionInPath = track });
        Assert.Equal("the given track (--motion-in), which covers 3.00 s of the voice's 7.12 s: its last frame is held to the end", longer.Mouth);
        Assert.All(longer.Motion.Frames.Skip(saved.Motion.FrameCount), s => Assert.Equal(given.Motion.Frames[^1], s));
    }

    [Fact]
    public void AVoiceAtAUsualLevel_OrASteadyHum_IsNotRaised()
    {
        using var voice = AudioDecoder.Decode(TestData.Voice("librivox_0870.wav"));
        Assert.Equal(0, Parla.Audio.Loudness.GainFor(voice));
        // A quiet 100 Hz hum has no louder frames to raise: it stays as quiet as it is.
        var hum = Enumerable.Range(0, 3 * 16000).Select(n => (float)(0.001 * Math.Sin(2 * Math.PI * 100 * n / 16000.0))).ToArray();
        using var quietHum = new AudioClip(hum, 16000);
        Assert.Equal(0, Parla.Audio.Loudness.GainFor(quietHum));
    }

    [Fact]
    public void CancelWhilePhonesAreStillDecoded_StopsTheRun_AndLeavesNoVideo()
    {
        // The demo read (24.8 s) is cut into four pieces: two are decoded before the first frame, the
        // rest behind the renderer. Cancelling at the first frame must stop the renderer and the
        // decoders alike, leave nothing behind, and leave the next run unharmed.
        var voicePath = Path.Combine(TestData.Root, "..", "..", "demo", "voice.flac");
        var portraitPath = TestData.Portrait("grace_hopper.jpg");
        var output = Path.Combine(_dir, "cancelled.mp4");
        using var cts = new CancellationTokenSource();
        var options = new AnimateOptions { Consent = TestData.Consent, Portrait = new PortraitOptions { MaxSidePixels = 256 } };
        var progress = new InlineProgress(p => { if (p.Stage == "render" && p.Done >= 1) cts.Cancel(); });

        Assert.ThrowsAny<OperationCanceledException>(() =>
            new Animator().Run(new AnimateRequest(portraitPath, voicePath, output, options), progress, cts.Token));
        Assert.False(File.Exists(output));
        Assert.Empty(Directory.GetFiles(_dir, "*.partial", SearchOption.AllDirectories).Concat(Directory.GetFiles(_dir, ".*")));

        var again = Path.Combine(_dir, "again.mp4");
        var result = new Animator().Run(new AnimateRequest(portraitPath, TestData.Voice("librivox_0880.wav"), again, options));
        Assert.True(File.Exists(again) && result.FrameCount > 0);
    }

    [Fact]
    public async Task OnAMachineWithManyCores_ThePhoneDecodersStayTwo_AndMemoryUnder400MB()
    {
        // The CLI in a child process that is told it has eight cores (DOTNET_PROCESSOR_COUNT): one
        // recogniser per core (about 100 MB each) took a 60-s English voice to 970 MB.
        var (peakMb, stdout, _) = await AnimateInChild(TestData.Portrait("astronaut.png"), TestData.Voice("librivox_0870.wav"),
            new Dictionary<string, string> { ["DOTNET_PROCESSOR_COUNT"] = "8" });
        Assert.Contains("first frame after", stdout);
        Assert.InRange(peakMb, 50, 400);
    }

    [Fact]
    public async Task APortraitOf4096Squared_SeenForTheFirstTime_StaysUnder400MB()
    {
        // The face found and rigged (no rig cached: a cache of its own, the models shared), two
        // recognisers deciding the language, then 4096² frames (67 MB each) beside one of them, the
        // rest of the voice decoded behind them. 534–539 MB while the PNG's bytes and pixels were
        // copied on their way to the frame and the renderer kept a copy of the portrait; at 4K
        // (3840×2160) 434 MB while the frames' buffers were made beside the second recogniser.
        var portrait = Path.Combine(_dir, "portrait4096.png");
        Ffmpeg.Run("-i", TestData.Portrait("astronaut.png"), "-vf", "scale=4096:4096:flags=lanczos", portrait);
        var cache = Directory.CreateDirectory(Path.Combine(_dir, "cache")).FullName;
        foreach (var shared in new[] { "models", "pocketsphinx" })
            Directory.CreateSymbolicLink(Path.Combine(cache, shared), Directory.CreateDirectory(Path.Combine(ParlaCache.Root(), shared)).FullName);

        var (peakMb, stdout, _) = await AnimateInChild(portrait, TestData.Voice("librivox_0870.wav"),
            new Dictionary<string, string> { ["PARLA_CACHE_DIR"] = cache }, "--max-size", "4096");
        Assert.Contains("4096x4096", stdout);
        Assert.NotEmpty(Directory.GetFiles(Path.Combine(cache, "rigs")));
        Assert.InRange(peakMb, 50, 400);
    }

    [Fact]
    public async Task A48MegapixelPhoneRotatedPhoto_StaysUnder400MB_AndComesOutUpright()
    {
        // 8000×6000 pixels stored on its side with an EXIF rotation, as a phone writes it, made into the
        // default 1024-pixel video: decoded whole, turned through a copy and copied again to be resampled,
        // it peaked at 787 MB (606 MB upright); now decoded at a quarter and resampled before it is turned.
        var stored = Path.Combine(_dir, "stored.jpg");
        Ffmpeg.Run("-i", TestData.Portrait("astronaut.png"), "-vf", "scale=6000:6000:flags=bicubic,pad=8000:6000:1000:0:color=0xd8d4d0,transpose=2", "-q:v", "3", stored);
        var photo = Path.Combine(_dir, "photo.jpg");
        File.WriteAllBytes(photo, ExifJpeg.WithOrientation(File.ReadAllBytes(stored), 6));

        var (peakMb, stdout, _) = await AnimateInChild(photo, TestData.Voice("librivox_0870.wav"), []);
        Assert.Contains("1024x768", stdout);
        Assert.InRange(peakMb, 50, 400);
    }

    [Fact]
    public async Task OnProcessorsWithNarrowerVectors_TheMotionAndVideoAreTheSame()
    {
        // The kernels with paths per instruction set (senone scores, noise check, warp, yuv420p,
        // watermark) and every Vector<T> loop, whose width follows the processor: the runtime told
        // to leave AVX-512, then AVX2, then every vector instruction unused must give the same motion
        // and video stream to the bit.
        // Each child says what it used, so a knob the runtime no longer reads cannot pass unseen.
        var motion = Path.Combine(_dir, "motion.json");
        async Task<(string Motion, string Video)> Run(string instructions, Dictionary<string, string> environment)
        {
            var (_, _, stderr) = await AnimateInChild(TestData.Portrait("grace_hopper.jpg"), TestData.Voice("librivox_0880.wav"), environment,
                "--language", "en", "--max-size", "320", "--motion-json", motion, "--verbose");
            Assert.Contains($"parla: vector instructions {instructions}\n", stderr);
            return (File.ReadAllText(motion), Parla.Provenance.Mp4Container.ComputeVideoStreamSha256(Path.Combine(_dir, "child.mp4")));
        }

        var native = await Run(Parla.Cli.AnimateCommand.VectorInstructions(), []);
        if (System.Runtime.Intrinsics.X86.Avx512F.IsSupported)
            Assert.Equal(native, await Run("AVX2", new Dictionary<string, string> { ["DOTNET_EnableAVX512"] = "0" }));
        if (System.Runtime.Intrinsics.X86.Avx2.IsSupported)
            Assert.Equal(native, await Run("SSE4.2", new Dictionary<string, string> { ["DOTNET_EnableAVX2"] = "0" }));
        Assert.Equal(native, await Run("none (scalar code)", new Dictionary<string, string> { ["DOTNET_EnableHWIntrinsic"] = "0" }));
    }

    [Fact]
    public async Task TheFirstEnglishRun_PrintsOnlyParlasOwnLines()
    {
        // A cache of its own, the face models shared but no trimmed dictionary: the first English run
        // reads the language model to trim the dictionary, and sphinxbase logged an INFO line to stderr there.
        var cache = Directory.CreateDirectory(Path.Combine(_dir, "cache")).FullName;
        Directory.CreateSymbolicLink(Path.Combine(cache, "models"), Directory.CreateDirectory(Path.Combine(ParlaCache.Root(), "models")).FullName);

        var (_, stdout, stderr) = await AnimateInChild(TestData.Portrait("astronaut.png"), TestData.Voice("librivox_0930.wav"),
            new Dictionary<string, string> { ["PARLA_CACHE_DIR"] = cache });
        Assert.Contains("English phones", stdout + stderr);
        Assert.NotEmpty(Directory.GetFiles(Path.Combine(cache, "pocketsphinx"), "*", SearchOption.AllDirectories));
        var foreign = stderr.Split('\n').Where(line => line.Trim().Length > 0 && !line.StartsWith("parla:", StringComparison.Ordinal)).ToList();
        Assert.True(foreign.Count == 0, string.Join("\n", foreign));
    }

    [Fact]
    public async Task ReportedTimes_LeaveOutWhatTheLauncherDidBeforeHandingOver()
    {
        // As ./parla does after a build: two seconds of the launcher's own work, then it hands over
        // (PARLA_LAUNCHED_NS) and execs the tool. The run's reported time counts from the handover.
        var cli = typeof(Parla.Cli.Program).Assembly.Location;
        var video = Path.Combine(_dir, "launched.mp4");
        var info = new System.Diagnostics.ProcessStartInfo("bash") { RedirectStandardOutput = true, RedirectStandardError = true };
        info.ArgumentList.Add("-c");
        info.ArgumentList.Add("sleep 2; PARLA_LAUNCHED_NS=\"$(date +%s%N)\" exec dotnet \"$0\" animate \"$1\" \"$2\" -o \"$3\" --language none --consent 'Test of the reported times.'");
        foreach (var a in new[] { cli, TestData.Portrait("astronaut.png"), TestData.Voice("librivox_0880.wav"), video }) info.ArgumentList.Add(a);
        var clock = System.Diagnostics.Stopwatch.StartNew();
        using var child = System.Diagnostics.Process.Start(info)!;
        var stderr = child.StandardError.ReadToEndAsync();
        var stdout = await child.StandardOutput.ReadToEndAsync();
        await child.WaitForExitAsync();
        var wall = clock.Elapsed.TotalSeconds;
        Assert.True(child.ExitCode == 0, await stderr);
        var match = System.Text.RegularExpressions.Regex.Match(stdout, @" in ([0-9.]+) s \(first frame after ([0-9.]+) s\)");
        Assert.True(match.Success, stdout);
        var reported = double.Parse(match.Groups[1].Value, System.Globalization.CultureInfo.InvariantCulture);
        Assert.True(reported < wall - 1.5, $"reported {reported} s of a {wall:0.00}-s child that slept 2 s before handing over");
        Assert.True(reported > 0.1, $"reported {reported} s");
    }

    /// <summary>
    /// Runs the CLI's <c>animate</c> in a child process with <paramref name="environment"/> added and
    /// returns the kernel's high-water mark of its resident memory (MB) and what it wrote to stdout and stderr;
    /// fails the test with its stderr if it fails.
    /// </summary>
    private async Task<(double PeakMb, string Stdout, string Stderr)> AnimateInChild(string portrait, string voice, Dictionary<string, string> environment, params string[] extra)
    {
        using var child = Parla.Tests.Cli.ChildCli.Start(
            new[] { "animate", portrait, voice, "-o", Path.Combine(_dir, "child.mp4"), "--consent", "Test of the pipeline's memory." }.Concat(extra),
            environment.ToDictionary(e => e.Key, e => (string?)e.Value));
        var stderr = child.StandardError.ReadToEndAsync();
        var stdout = child.StandardOutput.ReadToEndAsync();
        long peak = 0;
        // Read until it exits. The wait blocks this thread: an awaited delay, on a thread pool busy
        // with the other tests, once came back only after the child had gone (a peak of 28 MB read
        // in its first moments).
        do
        {
            try
            {
                foreach (var line in File.ReadLines($"/proc/{child.Id}/status"))
                    if (line.StartsWith("VmHWM:", StringComparison.Ordinal)) peak = Math.Max(peak, long.Parse(line.Split(' ', StringSplitOptions.RemoveEmptyEntries)[1]));
            }
            catch (IOException) { } // gone between the check and the read
        }
        while (!child.WaitForExit(20));

        await child.WaitForExitAsync();
        Assert.True(child.ExitCode == 0, await stderr);
        return (peak / 1024.0, await stdout, await stderr);
    }

    private sealed class InlineProgress(Action<PipelineProgress> report) : IProgress<PipelineProgress>
    {
        public void Report(PipelineProgress value) => report(value);
    }

    [Fact]
    public void AVoiceLongerThanAChapter_IsHeardInChapters_EachAsAVoiceOfItsOwn_AndTheFacePassesSmoothlyBetweenThem()
    {
        // The demo's 24.7-s read (FLAC, decoded by ffmpeg) in a first chapter of 4 s and chapters of 8 s:
        // four, the last 4.7 s. Its container says it is long, so its first chapter is heard (and drawn)
        // while the rest decodes, and it moves exactly as the same samples do read from a WAV file, known
        // whole from the start; the first chapter as its 4 s of voice alone; where chapters meet, the head
        // moves no more from frame to frame than it does inside them.
        var voicePath = Path.Combine(TestData.Root, "..", "..", "demo", "voice.flac");
        AnimateResult Render(string voice, string name) => new Animator().Run(new AnimateRequest(TestData.Portrait("grace_hopper.jpg"), voice,
            Path.Combine(_dir, name), new AnimateOptions
            {
                Consent = TestData.Consent,
                Portrait = new PortraitOptions { MaxSidePixels = 256 },
                ChapterSeconds = 8,
                FirstChapterSeconds = 4,
            }));
        var chaptered = Render(voicePath, "chapters.mp4");
        using var voice = AudioDecoder.Decode(voicePath);
        var chapters = VoiceChapters.Plan(chaptered.FrameCount, 25, 8, 4);
        Assert.Equal([new Chapter(0, 100), new Chapter(75, 300), new Chapter(275, 500), new Chapter(475, chaptered.FrameCount)], chapters);
        Assert.True(chaptered.HeardWhileDecoding);
        Assert.Equal((int)Math.Ceiling(voice.DurationSeconds * 25), chaptered.FrameCount);
        Assert.Equal(chaptered.FrameCount, chaptered.Motion.FrameCount);
        Assert.EndsWith("; the voice heard in 4 chapters (the first of 4 s, the others of 8 s), each on its own", chaptered.Mouth, StringComparison.Ordinal);
        Assert.StartsWith("English phones", chaptered.Mouth, StringComparison.Ordinal);
        Assert.InRange(MediaProbe.Duration(Path.Combine(_dir, "chapters.mp4")), voice.DurationSeconds - 0.04, voice.DurationSeconds + 0.04);

        var known = Render(Wav(voice, "voice.wav"), "known-whole.mp4");
        Assert.False(known.HeardWhileDecoding);
        Assert.Equal(known.Motion.Frames, chaptered.Motion.Frames);

        using var firstVoice = chapters[0].SliceOf(voice, 25, chaptered.FrameCount);
        var alone = Render(Wav(firstVoice, "first-chapter.wav"), "first-chapter.mp4");
        Assert.Equal(chapters[0].FrameCount, alone.FrameCount);
        Assert.Equal(alone.Motion.Frames.AsSpan(0, chapters[1].FirstFrame).ToArray(), chaptered.Motion.Frames.AsSpan(0, chapters[1].FirstFrame).ToArray());

        // The head's largest step between frames where chapters meet (their shared second and a frame
        // either side), against its largest step anywhere else.
        var frames = chaptered.Motion.Frames;
        static float Step(FaceState a, FaceState b) => Math.Max(Math.Abs(a.HeadYawDegrees - b.HeadYawDegrees),
            Math.Max(Math.Abs(a.HeadPitchDegrees - b.HeadPitchDegrees), Math.Abs(a.HeadRollDegrees - b.HeadRollDegrees)));
        bool Meeting(int i) => chapters.Skip(1).Zip(chapters).Any(p => i >= p.First.FirstFrame - 1 && i <= p.Second.EndFrame);
        var steps = Enumerable.Range(0, frames.Length - 1).Select(i => (Meeting: Meeting(i), Step: Step(frames[i], frames[i + 1]))).ToArray();
        var inside = steps.Where(s => !s.Meeting).Max(s => s.Step);
        var meeting = steps.Where(s => s.Meeting).Max(s => s.Step);
        Assert.True(meeting <= inside, $"the head steps {meeting:0.000}° where chapters meet, {inside:0.000}° at most inside them");
    }

    /// <summary><paramref name="clip"/> as a 16-bit WAV file named <paramref name="name"/> in the test's folder.</summary>
    private string Wav(AudioClip clip, string name)
    {
        var path = Path.Combine(_dir, name);
        using var file = File.Create(path);
        file.Write(Parla.Tests.Audio.AudioTestData.WavHeader(clip.Length * 2, clip.SampleRateHz));
        file.Write(System.Runtime.InteropServices.MemoryMarshal.AsBytes(clip.ToPcm16().AsSpan()));
        return path;
    }

    [Fact]
    public void ALongEnglishVoice_KeepsItsPhonesInAChapterThatBeginsMidSentence()
    {
        // The demo read in a first chapter of 8.5 s and chapters of 10 s: the second begins 7.5 s into
        // the read, mid-sentence, and heard alone its first seconds make no English sentences. Each
        // chapter deciding on its own first seconds left it to the sound, five minutes of an English
        // voice at the length of a real chapter; the first chapter's decision holds for the voice.
        var voicePath = Path.Combine(TestData.Root, "..", "..", "demo", "voice.flac");
        AnimateResult Render(string voice, string name, double chapterSeconds = 10) => new Animator().Run(new AnimateRequest(TestData.Portrait("grace_hopper.jpg"), voice,
            Path.Combine(_dir, name), new AnimateOptions
            {
                Consent = TestData.Consent,
                Portrait = new PortraitOptions { MaxSidePixels = 128 },
                ChapterSeconds = chapterSeconds,
                FirstChapterSeconds = 8.5,
            }));

        var chaptered = Render(voicePath, "chapters.mp4");
        Assert.Equal("English phones (the voice is confidently English); the voice heard in 3 chapters (the first of 8.5 s, the others of 10 s), each on its own", chaptered.Mouth);

        using var voice = AudioDecoder.Decode(voicePath);
        var second = VoiceChapters.Plan(chaptered.FrameCount, 25, 10, 8.5)[1];
        Assert.InRange(second.FirstFrame / 25.0, 7.4, 7.6);
        using var secondVoice = second.SliceOf(voice, 25, chaptered.FrameCount);
        var alone = Render(Wav(secondVoice, "second-chapter.wav"), "second-chapter.mp4", chapterSeconds: VoiceChapters.ChapterSeconds);
        Assert.StartsWith("the sound (the voice is not confidently English", alone.Mouth, StringComparison.Ordinal);
    }

    [Fact]
    public void ALongVoiceWhoseFirstChapterIsNotFoundEnglish_LeavesTheLanguageToTheChaptersAfterIt()
    {
        // Thirteen seconds of a jingle (a held chord and a kick drum, in bars with silence between),
        // then the LibriVox read, in chapters of 14 s: the first chapter is the jingle, not confidently
        // English (the recogniser makes a few words of it). An intro says nothing of the voice after it:
        // the chapters of the read decide on their own and move with its phones.
        var voicePath = Path.Combine(_dir, "jingle-then-read.wav");
        // Bars of a second and a half with half a second of silence after each, so that the jingle is
        // not taken for noise under a voice (its quietest frames would be the held chord).
        var jingle = Parla.Tests.Motion.VisemeTests.Jingle(13).Select((x, n) => n % 32000 < 24000 ? x : 0).ToArray();
        Parla.Tests.Audio.AudioTestData.WriteWav(voicePath, [.. jingle, .. Parla.Tests.Motion.VisemeTests.LibriVoxRead()]);
        var result = new Animator().Run(new AnimateRequest(TestData.Portrait("grace_hopper.jpg"), voicePath, Path.Combine(_dir, "jingle-then-read.mp4"), new AnimateOptions
        {
            Consent = TestData.Consent,
            Portrait = new PortraitOptions { MaxSidePixels = 128 },
            ChapterSeconds = 14,
            FirstChapterSeconds = 14,
        }));

        Assert.True(result.Mouth.StartsWith("the sound (the voice is not confidently English", StringComparison.Ordinal), result.Mouth);
        Assert.EndsWith("; chapters 2 and 3 from English phones (the voice is confidently English)", result.Mouth, StringComparison.Ordinal);
    }

    [Fact]
    public void ALongVoice_SaysWhichChaptersMoveTheMouthOtherwiseThanTheFirst()
    {
        // A LibriVox clip clean, then again under white noise 11 dB below it, in chapters as long as
        // each: the noisy chapter is left to the sound on its own, and the mouth's description says so.
        using var clean = AudioDecoder.Decode(TestData.Voice("librivox_0870.wav"));
        using var noisy = Parla.Tests.Motion.VisemeAgreementTests.WithWhiteNoise(clean, snrDb: 11, seed: 3);
        var voicePath = Path.Combine(_dir, "clean-then-noisy.wav");
        Parla.Tests.Audio.AudioTestData.WriteWav(voicePath, [.. clean.ToFloats(), .. noisy.ToFloats()]);
        var result = new Animator().Run(new AnimateRequest(TestData.Portrait("grace_hopper.jpg"), voicePath, Path.Combine(_dir, "clean-then-noisy.mp4"), new AnimateOptions
        {
            Consent = TestData.Consent,
            Portrait = new PortraitOptions { MaxSidePixels = 128 },
            ChapterSeconds = clean.DurationSeconds,
            FirstChapterSeconds = clean.DurationSeconds,
        }));

        Assert.StartsWith("English phones (the voice is confidently English); the voice heard in 2 chapters of 7.1 s, each on its own; chapter 2 from the sound (noise or music under the voice", result.Mouth, StringComparison.Ordinal);
    }

    [Fact]
    public void TalkingVideo_FollowsTheVoice_AndKeepsTheBackground()
    {
        const double fps = 25;
        var portraitPath = TestData.Portrait("astronaut.png");
        var voicePath = TestData.Voice("librivox_0870.wav");
        var output = Path.Combine(_dir, "talk.mp4");
        var result = new Animator().Run(new AnimateRequest(portraitPath, voicePath, output, new AnimateOptions
        {
            FramesPerSecond = fps,
            Consent = TestData.Consent,
            // The label sits in a corner; off here so the corners show the portrait (the watermark stays).
            Label = new Parla.Provenance.LabelOptions { Enabled = false },
        }));

        // Duration equals the audio's within one frame.
        var audio = AudioDecoder.Decode(voicePath);
        Assert.InRange(MediaProbe.Duration(output), audio.DurationSeconds - 1 / fps, audio.DurationSeconds + 1 / fps);

        using var source = ImageLoader.Load(portraitPath);
        using var analyzer = FaceAnalyzer.Create();
        var opening = new List<double>();
        var worstCornerDifference = 0.0;
        foreach (var frame in VideoFrames.Read(output, result.Width, result.Height))
        {
            using (frame)
            {
                var faces = analyzer.Detect(frame);
                Assert.NotEmpty(faces); // the face is found in every frame
                var p = faces[0].Points;
                var eyes = System.Numerics.Vector2.Distance(new(p[33].X, p[33].Y), new(p[263].X, p[263].Y));
                opening.Add(System.Numerics.Vector2.Distance(new(p[13].X, p[13].Y), new(p[14].X, p[14].Y)) / eyes);
                worstCornerDifference = Math.Max(worstCornerDifference, CornerDifference(source, frame));
            }
        }
        Assert.Equal(result.FrameCount, opening.Count);

        // The mouth moves: at least 0.08 eye-corner distances between the 10th and 90th percentile.
        var sorted = opening.Order().ToArray();
        var spread = sorted[(int)(0.9 * (sorted.Length - 1))] - sorted[(int)(0.1 * (sorted.Length - 1))];
        Assert.True(spread >= 0.08, $"mouth opening spread {spread:0.000}");

        // ...and follows the loudness of the voice: Pearson r ≥ 0.5 at a lag of at most 2 frames.
        var envelope = LogRmsPerFrame(audio, fps, opening.Count);
        var best = Enumerable.Range(-2, 5).Max(lag => Statistics.Pearson(opening, envelope, lag));
        Assert.True(best >= 0.5, $"best r {best:0.00}");

        // Far from the face (the image corners) the video shows the source, up to H.264 noise and the
        // watermark (about ±3 levels).
        Assert.True(worstCornerDifference < 6, $"corner differs by {worstCornerDifference:0.0} levels on average");
    }

    private static double[] LogRmsPerFrame(AudioClip audio, double fps, int frames)
    {
        var hop = audio.SampleRateHz / fps;
        var samples = audio.ToFloats();
        var env = new double[frames];
        for (var i = 0; i < frames; i++)
        {
            var a = (int)(i * hop);
            var b = Math.Min(audio.Length, (int)((i + 1) * hop));
            double sum = 0;
            for (var k = a; k < b; k++) sum += samples[k] * samples[k];
            env[i] = Math.Log10(Math.Sqrt(sum / Math.Max(1, b - a)) + 1e-4);
        }
        return env;
    }

    /// <summary>Mean absolute difference over the four 40×40 corners.</summary>
    private static double CornerDifference(Frame a, Frame b)
    {
        long sum = 0, n = 0;
        const int size = 40;
        foreach (var (x0, y0) in new[] { (0, 0), (a.Width - size, 0), (0, a.Height - size), (a.Width - size, a.Height - size) })
        {
            for (var y = y0; y < y0 + size; y++)
            {
                var ra = a.GetRowSpan(y);
                var rb = b.GetRowSpan(y);
                for (var x = x0 * 4; x < (x0 + size) * 4; x++)
                {
                    if ((x & 3) == 3) continue;
                    sum += Math.Abs(ra[x] - rb[x]);
                    n++;
                }
            }
        }
        return (double)sum / n;
    }
}
