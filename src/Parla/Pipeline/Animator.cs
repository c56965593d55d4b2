using System.Diagnostics;
using System.Runtime.CompilerServices;
using Parla.Audio;
using Parla.Audio.Phonemes;
using Parla.Face;
using Parla.Media;
using Parla.Motion;
using Parla.Provenance;
using Parla.Rendering;

namespace Parla.Pipeline;

/// <summary>One animation job: the portrait, the voice, where the video goes, and how.</summary>
public sealed record AnimateRequest(string ImagePath, string AudioPath, string OutputPath, AnimateOptions Options);

/// <summary>What an animation produced.</summary>
public sealed record AnimateResult(string OutputPath, int FrameCount, int Width, int Height, double DurationSeconds, double ElapsedSeconds, MotionTrack Motion)
{
    /// <summary>Seconds from the start of the run until the first frame reached the encoder.</summary>
    public double FirstFrameSeconds { get; init; }

    /// <summary>What moved the mouth and why, one phrase: "English phones (the voice is confidently English)", "the sound (noise or music under the voice: …)", ….</summary>
    public string Mouth { get; init; } = "";

    /// <summary>Things the user should know (an uncertain face fit), one sentence each.</summary>
    public IReadOnlyList<string> Warnings { get; init; } = [];

    /// <summary>Whether a long voice's first chapter was heard, and its frames drawn, while the rest of the voice was still decoding.</summary>
    internal bool HeardWhileDecoding { get; init; }
}

/// <summary>
/// The whole pipeline: portrait → face → rig; voice → features → motion; rig + motion → frames → MP4.
/// Frames are rendered in parallel and streamed to the encoder in order, so memory stays flat
/// whatever the length of the voice.
/// </summary>
public sealed class Animator
{
    private readonly FaceModelStore _models;

    public Animator(FaceModelStore? models = null)
    {
        _models = models ?? new FaceModelStore();
    }

    public AnimateResult Run(AnimateRequest request, IProgress<PipelineProgress>? progress = null, CancellationToken cancellationToken = default)
    {
        var clock = Stopwatch.StartNew();
        var options = request.Options;
        var consent = options.Consent ?? throw new ConsentException(ConsentStatement.MissingMessage);
        OutputFile.EnsureWritable(request.OutputPath);
        VideoEncoder.EnsureMp4Name(request.OutputPath);
        var manifest = ProvenanceStamp.ManifestPathFor(request.OutputPath);
        if (options.MotionJsonPath is not null)
        {
            OutputFile.EnsureWritable(options.MotionJsonPath);
            // Written last, the track replaced the video (whose signing then failed) or its manifest.
            foreach (var (written, what) in new[] { (request.OutputPath, "the video"), (manifest, "the video's manifest") })
            {
                if (Path.GetFullPath(options.MotionJsonPath) == Path.GetFullPath(written))
                    throw new OutputException(options.MotionJsonPath, $"is {what} this run writes; --motion-json needs a name of its own, such as {Path.GetFileNameWithoutExtension(request.OutputPath)}.motion.json.");
            }
        }
        foreach (var output in new[] { request.OutputPath, manifest, options.MotionJsonPath })
        {
            if (output is null) continue;
            // The manifest's name is the video's and more: too long, it is the video's name to change.
            OutputFile.EnsureNameFits(output, beside: output == manifest ? request.OutputPath : null);
            OutputFile.EnsureNotAnInput(output, (request.AudioPath, "voice"), (request.ImagePath, "portrait"), (options.MotionInPath, "motion track (--motion-in)"));
            OutputFile.RemoveLeftovers(output);
        }

        // The face is found and rigged while the voice is read and the motion computed: they do not
        // depend on each other, and each takes a while before the first frame can be drawn. Once the
        // portrait is there, the renderer, the stamp and the encoder are made ready while the motion
        // is still being computed (on the English path: while the language is decided on its first
        // phones), so that the first frame follows the motion at once.
        var loading = Task.Run(() => RiggedPortrait.Load(request.ImagePath, options.Portrait, _models, cancellationToken), cancellationToken);
        // Once frames are being drawn, the phone decoding (going on behind them) no longer reports.
        var rendering = new StrongBox<bool>();
        // Stopped if the frames' side fails before it takes the motion.
        using var motionStop = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        // A thread of its own: it blocks for seconds (the language decision), which on the thread pool
        // would hold back whatever else the process serves (the server's requests).
        // Whether the voice is mono or stereo, for the video's sound: its decoder says so before it decodes.
        var soundChannels = new TaskCompletionSource<int>(TaskCreationOptions.RunContinuationsAsynchronously);
        var moving = Task.Factory.StartNew(() => VoiceMotion.Prepare(request, progress, rendering, c => soundChannels.TrySetResult(c), motionStop.Token), motionStop.Token,
            TaskCreationOptions.LongRunning, TaskScheduler.Default);

        RiggedPortrait portrait;
        try
        {
            portrait = loading.GetAwaiter().GetResult();
        }
        catch
        {
            // The voice's or the motion's error is the one reported, if there is one; else the portrait's.
            moving.GetAwaiter().GetResult().Dispose();
            throw;
        }

        using var portraitOwner = portrait;
        VoiceMotion? voiceMotion = null;
        Frame? warmed = null;
        try
        {
            var width = portrait.Image.Width;
            var height = portrait.Image.Height;
            // The portrait is held once: the renderer reads it as it is, and it is the background the
            // frames start from. Disclosure label and watermark are the same in every frame: each frame
            // buffer is stamped whole when it is made from the background, each frame's moving region
            // again after it is drawn.
            var background = portrait.Image;
            using var renderer = FaceRenderer.Over(background, portrait.Rig);
            var claims = ManifestClaims.ForInputs(request.ImagePath, request.AudioPath, consent, ManifestParameters(request));
            var stamp = new ProvenanceStamp(width, height, new ProvenanceOptions { Label = options.Label, ManifestId = ManifestIdFor(claims, options) });
            var changing = renderer.MovingBounds;
            Action<Frame> stampWhole = frame => stamp.Apply(frame, 0);
            var firstFrameSeconds = 0.0;
            IMotionFeed feed;
            int frameCount;
            // The encoder writes to a temporary file, renamed into place only when complete.
            using (var encoder = new VideoEncoder(new VideoEncoderOptions
            {
                OutputPath = request.OutputPath,
                Width = width,
                Height = height,
                FramesPerSecond = options.FramesPerSecond,
                AudioPath = request.AudioPath,
                AudioChannels = ChannelsOf(soundChannels.Task, moving, cancellationToken),
            }))
            {
                // Above 1080p the frames' buffers wait for the decoders to let go (see WaitsForDecodersToLetGo).
                if (!WaitsForDecodersToLetGo(width, height)) warmed = WarmUp(renderer, stamp, FrameStreamer.FromBackground(background, stampWhole), changing);
                voiceMotion = moving.GetAwaiter().GetResult();
                feed = voiceMotion.Feed;
                var motion = voiceMotion;
                feed.SetDecodersBesideRenderer(DecodersBeside(width, height), WaitsForDecodersToLetGo(width, height), cancellationToken);
                cancellationToken.ThrowIfCancellationRequested();
                // Frames differ from the portrait only inside the renderer's moving bounds: only that region
                // is re-rendered and re-converted per frame.
                // A long voice still decoding gives its first chapter's frames before its length is known.
                var known = motion.FrameCountIfKnown;
                FrameStreamer.Stream(known ?? motion.FramesKnown, width, height,
                    (i, destination) =>
                    {
                        renderer.RenderMoving(feed.Frame(i, cancellationToken), destination);
                        stamp.Apply(destination, i, changing);
                    },
                    encoder, options.DegreeOfParallelism, new SynchronousProgress(n =>
                    {
                        if (n == 1)
                        {
                            firstFrameSeconds = clock.Elapsed.TotalSeconds;
                            Volatile.Write(ref rendering.Value, true);
                        }

                        // A long voice still decoding has no length yet: its first frame still says that the
                        // render has begun (an hour of MP3 took 3.5 s to say so, at frame 781).
                        if (motion.FrameCountIfKnown is { } total) progress?.Report(new PipelineProgress("render", n, total));
                        else if (n == 1) progress?.Report(new PipelineProgress("render", n, 0));
                    }),
                    cancellationToken, background: background, changing: changing, overBackground: stampWhole, firstDrawing: warmed,
                    allFrames: known is null ? () => motion.FrameCount(cancellationToken) : null);
                frameCount = motion.FrameCount(cancellationToken);
                encoder.Complete();
            }

            return Finish(request, portrait, feed, frameCount, claims, stamp, clock, firstFrameSeconds, progress) with { HeardWhileDecoding = voiceMotion.HeardWhileDecoding };
        }
        catch when (voiceMotion is null)
        {
            // The voice's or the motion's error is the one reported, if there is one (a missing voice
            // fails the motion and the manifest's hash of it alike, the hash first): wait for it.
            Task.WaitAny(moving);
            if (moving.IsFaulted) moving.GetAwaiter().GetResult();
            throw;
        }
        finally
        {
            warmed?.Dispose();
            if (voiceMotion is not null)
            {
                voiceMotion.Dispose();
            }
            else
            {
                // The frames' side failed first: stop the motion and release whatever it made.
                motionStop.Cancel();
                try { moving.GetAwaiter().GetResult().Dispose(); } catch (Exception) { }
            }
        }
    }

    /// <summary>
    /// <paramref name="frame"/>, the first frame buffer, with a talking face nobody sees drawn and
    /// stamped into it while the motion is still being computed: the frame loop's kernels are compiled
    /// at their first call (they use the machine's vector width, which code compiled ahead of time
    /// cannot know), and that came between the motion and the first frame. Every frame draws the
    /// moving region again from the portrait (<see cref="FaceRenderer.RenderMoving"/>), so the face
    /// drawn here is never seen, and the buffer is one the frames need anyway.
    /// </summary>
    private static Frame WarmUp(FaceRenderer renderer, ProvenanceStamp stamp, Frame frame, PixelRect changing)
    {
        try
        {
            renderer.RenderMoving(new FaceState { JawOpen = 0.4f, BlinkLeft = 0.5f, BlinkRight = 0.5f, GazeX = 0.2f }, frame);
            stamp.Apply(frame, 1, changing);
            return frame;
        }
        catch
        {
            frame.Dispose();
            throw;
        }
    }

    /// <summary>After the frames: the motion track written if asked for, the video signed, the result.</summary>
    private static AnimateResult Finish(AnimateRequest request, RiggedPortrait portrait, IMotionFeed feed, int frameCount, ManifestClaims claims,
        ProvenanceStamp stamp, Stopwatch clock, double firstFrameSeconds, IProgress<PipelineProgress>? progress)
    {
        var options = request.Options;
        var motion = feed.Complete();
        if (options.MotionJsonPath is not null)
            OutputFile.WriteAllTextAtomic(options.MotionJsonPath, MotionJson.Serialize(motion));

        progress?.Report(new PipelineProgress("sign", 0, 0));
        try
        {
            stamp.Seal(request.OutputPath, claims);
        }
        catch
        {
            // An unsigned video is not a Parla output: remove it rather than leave it behind.
            File.Delete(request.OutputPath);
            File.Delete(ProvenanceStamp.ManifestPathFor(request.OutputPath));
            throw;
        }

        return new AnimateResult(request.OutputPath, frameCount, portrait.Image.Width, portrait.Image.Height,
            frameCount / options.FramesPerSecond, clock.Elapsed.TotalSeconds, motion)
        {
            Warnings = portrait.Warning is null ? [] : [portrait.Warning],
            FirstFrameSeconds = firstFrameSeconds,
            Mouth = feed.Mouth,
        };
    }

    /// <summary>
    /// Voice seconds from the start that are decoded by every core before frames are drawn, and that
    /// <c>auto</c> decides on: enough for the decoder's confidence to settle (on 4 s the English
    /// reads' voice coverage is 0.98–1.00, espeak-ng German, Spanish and French 0.53–0.58, the bar
    /// 0.75), little enough that frames start soon (its pieces are cut short: see
    /// <see cref="PhonemeAnalysisOptions.PrefixPieceSeconds"/>). The prefix is fixed by the clip
    /// alone (whole pieces), so the decision does not depend on the machine's speed; a shorter voice
    /// is decided on all of it. The rest is decoded behind the renderer (see <see cref="DecodersBeside"/>).
    /// </summary>
    internal const double LanguageDecisionVoiceSeconds = 4;

    /// <summary>
    /// Decoders that go on beside the renderer: all of them (<see cref="DecoderThreads"/>) for frames up to 720p, one for larger
    /// frames. Measured on a 60-s voice: two recognisers beside 1080p frame buffers and the encoder
    /// took the peak from 325 to 436 MB (one: 326 MB); at 512², one decoder left the renderer waiting
    /// on it (10.6–11.9 s against 9.3–9.6 s decoding all first), two kept pace at about 320 MB.
    /// </summary>
    internal static int DecodersBeside(int width, int height) =>
        (long)width * height <= 1280L * 720 ? DecoderThreads : 1;

    /// <summary>
    /// Whether the frames' buffers wait for the decoders that stop beside the renderer to free their
    /// recognisers (about 80 MB each): above 1080p. A 4K portrait seen for the first time peaked at
    /// 433–456 MB with the frames' buffers made beside two recognisers, 364–370 MB after one let go.
    /// At 1080p the wait (42–65 ms) came before the first frame and the peak is 280–326 MB without it.
    /// </summary>
    internal static bool WaitsForDecodersToLetGo(int width, int height) => (long)width * height > 1920L * 1080;

    /// <summary>
    /// The video's sound channels, as the voice's decoder said them (at once in practice: the decoder
    /// describes its input within tens of milliseconds, long before the portrait is ready). Where the
    /// voice failed before it said, mono: the voice's own error is what the run reports next.
    /// </summary>
    private static int ChannelsOf(Task<int> said, Task voice, CancellationToken ct)
    {
        Task.WaitAny([said, voice], ct);
        return said.IsCompletedSuccessfully ? said.Result : 1;
    }

    /// <summary>
    /// Phone decoders at most, one per core up to two: each holds a recogniser of about 100 MB, so a
    /// machine with many cores would otherwise spend gigabytes on them (and load them all before the
    /// first frame); two already keep pace with the renderer at 512².
    /// </summary>
    internal static int DecoderThreads => Math.Min(Environment.ProcessorCount, 2);

    /// <summary>
    /// <c>auto</c> leaves a voice to the acoustic path, without decoding it, when its louder half of
    /// frames stands less than this far above its quietest tenth (<see cref="NoiseReduction.Clean(Parla.Media.AudioClip, out double, CancellationToken)"/>,
    /// measured before the voice is cleaned): noise makes the recogniser mishear consonants while it
    /// stays confident, and the acoustic path keeps the lips' timing. The LibriVox read with white
    /// noise 26 / 23 / 20 / 17 / 14 / 11 dB under it measures 27.6 / 24.7 / 21.8 / 18.9 / 16.1 / 13.2 dB
    /// (24.7 / 23.3 / 21.4 / 19.0 / 16.4 / 13.8 before the energies were measured above 100 Hz: on which
    /// side of the gate each falls is unchanged); bilabial onsets closed there (yardstick, astronaut
    /// portrait) from English phones 17 / 15 / 12 / 10 / 11 / 13 of 18, from the sound 17 / 17 / 17 /
    /// 18 / 18 / 18. The clean LibriVox clips measure 35.9–41.6 dB, the demo voice 40.7 (24.1–28.1 and
    /// 26.9 before: their DC offset filled the pauses; docs/visemes.md, "Noisy voices").
    /// </summary>
    internal const double PhonesNoisyBelowDb = 22;

    internal static bool TooNoisyForPhones(double loudOverQuietDb) => loudOverQuietDb < PhonesNoisyBelowDb;

    /// <summary>
    /// <c>auto</c>'s test: how well English phones explain the voice's first pieces, those every core
    /// decodes (<see cref="PhonemeDecoding.ParallelPieces"/>; for a decoding started with
    /// <see cref="LanguageDecisionVoiceSeconds"/>, the first 4 s of voice), or, where the recogniser
    /// heard no word in them, the next stretch of as much voice (<see cref="LanguageDecisionLooks"/>);
    /// English phones drive the mouth where the result <see cref="PhonemeConfidence.IsConfident"/>.
    /// Waits for them.
    /// </summary>
    internal static PhonemeConfidence DecideLanguage(PhonemeDecoding decoding, CancellationToken ct = default)
    {
        var decisive = decoding.ParallelPieces;
        decoding.WaitForPrefix(decisive, ct: ct);
        var confidence = decoding.ConfidenceOf(decisive);
        // Not a word in it: the "voice" was something else (a jingle, a drum, a laugh) and says nothing
        // of the language: the next stretch of as much voice is looked at, up to LanguageDecisionLooks.
        for (var look = 1; look < LanguageDecisionLooks && confidence.WordsPerSecond == 0 && decisive < decoding.PieceCount; look++)
        {
            var next = decoding.PiecesHoldingVoiceAfter(decisive, LanguageDecisionVoiceSeconds);
            decoding.SetThreadsAfterPrefix(DecoderThreads);
            decoding.WaitForPrefix(next, ct: ct);
            confidence = decoding.ConfidenceOf(decisive, next);
            decisive = next;
        }

        return confidence;
    }

    /// <summary>
    /// Stretches of <see cref="LanguageDecisionVoiceSeconds"/> of voice <c>auto</c> looks at, at most,
    /// while the recogniser hears no word in them. Six seconds of a jingle (a held chord and a kick
    /// drum) before the LibriVox read: no word in its first 4 s, and the read went to the acoustic path.
    /// </summary>
    internal const int LanguageDecisionLooks = 3;

    /// <summary>Under this share of frames of voice, a clip with sound in it is looked at for a steady background (<see cref="NoiseReduction.WithoutSteadyBackground"/>).</summary>
    private const double NoVoiceShare = 0.02;

    /// <summary>The level, dB, the louder frames of a clip with sound in it stand over (the analysis' own scale: a full-scale sine −3 dB).</summary>
    private const double AudibleDb = -50;

    private static double SpeechShare(AudioFeatures features) =>
        features.FrameCount == 0 ? 0 : (double)Enumerable.Range(0, features.FrameCount).Count(features.IsSpeech) / features.FrameCount;

    /// <summary>
    /// The voice and the motion made from it, and what the motion holds besides (a voice cleaned of its
    /// noise, or of its steady background); the voices outlive the feed, whose phone decoding reads them.
    /// A long compressed voice may still be decoding (its first chapter heard while the rest decodes):
    /// its length, and so the video's, is known once it is decoded.
    /// </summary>
    private sealed class VoiceMotion : IDisposable
    {
        private readonly Task<AudioClip> _voice;
        private readonly double _framesPerSecond;
        private readonly IDisposable? _owned;
        private readonly CancellationTokenSource? _decodingStop;
        private int _frameCount;

        private VoiceMotion(Task<AudioClip> voice, int framesKnown, double framesPerSecond, IMotionFeed feed, IDisposable? owned, CancellationTokenSource? decodingStop)
        {
            _voice = voice;
            FramesKnown = framesKnown;
            _framesPerSecond = framesPerSecond;
            Feed = feed;
            _owned = owned;
            _decodingStop = decodingStop;
        }

        /// <summary>A voice decoded whole.</summary>
        private VoiceMotion(AudioClip voice, double framesPerSecond, IMotionFeed feed, IDisposable? owned)
            : this(Task.FromResult(voice), FramesOf(voice, framesPerSecond), framesPerSecond, feed, owned, null)
        {
            _frameCount = FramesKnown;
        }

        public IMotionFeed Feed { get; }

        /// <summary>Whether the motion began before the voice was decoded whole (a long voice's first chapter heard while the rest decoded).</summary>
        public bool HeardWhileDecoding => _decodingStop is not null;

        /// <summary>How many frames the video has at least (the first chapter's, for a voice still decoding).</summary>
        public int FramesKnown { get; }

        /// <summary>The video's frames, once the voice is decoded whole; else null.</summary>
        public int? FrameCountIfKnown
        {
            get
            {
                if (_frameCount == 0 && _voice.IsCompletedSuccessfully) _frameCount = FramesOf(_voice.Result, _framesPerSecond);
                return _frameCount > 0 ? _frameCount : null;
            }
        }

        /// <summary>The video's frames (waiting for the voice to be decoded whole; throws what its decoding threw).</summary>
        public int FrameCount(CancellationToken ct) => FramesOf(Waiting.ResultOf(_voice, ct), _framesPerSecond);

        /// <summary>Reads the voice and starts its motion (a given track, or one generated from the voice, chapter by chapter if it is long).</summary>
        public static VoiceMotion Prepare(AnimateRequest request, IProgress<PipelineProgress>? progress, StrongBox<bool> rendering, Action<int> soundChannels,
            CancellationToken ct)
        {

            var options = request.Options;
            var fps = options.FramesPerSecond;
            // The phone decoders load while the voice is read and analysed, not after.
            var decoders = options.MotionInPath is null && options.Language != LanguageMode.None ? PreloadedDecoders.Start(DecoderThreads) : null;
            var lengths = VoiceChapters.Lengths(fps, options.ChapterSeconds, options.FirstChapterSeconds);
            var sampleRate = AudioDecoder.DefaultSampleRateHz;
            var oneChapter = VoiceChapters.SampleAt(lengths.Rest, fps, sampleRate);
            var firstChapter = VoiceChapters.FirstChapterSamples(lengths, fps, sampleRate);
            // The voice's features are computed while ffmpeg decodes it (ten minutes of MP3 take 0.6 s to
            // decode, in which a core was idle), and again while a quiet one is decoded raised: those of
            // a voice of one chapter whole, or, where the voice's container says it is longer, those of
            // its first chapter. They are kept if they are a chapter's and it is not cleaned.
            EarlyFeatures? early = null;
            // A long voice's container says it is long before it is decoded.
            var saysLong = false;
            var arriving = new TaskCompletionSource<DecodingVoice>(TaskCreationOptions.RunContinuationsAsynchronously);
            Action<DecodingVoice>? analyseWhileDecoding = options.MotionInPath is null
                ? voice =>
                {
                    saysLong = voice.ContainerSeconds(ct) is { } seconds && seconds >= VoiceChapters.ChapteredFrom(lengths, fps, sampleRate) / (double)sampleRate;
                    // Only its first chapter comes before the first frame: the rest of a long voice is
                    // decoded behind the start's work. An hour of MP3 at 512², four pairs alternated: first
                    // frame 0.86–0.94 s against 1.00–1.44 s; ten minutes, ten pairs: medians 0.91 against
                    // 0.94 s; the same video, no slower (the hour 196 s).
                    if (saysLong) voice.DecodeBehind();
                    early = EarlyFeatures.Start(voice, saysLong ? firstChapter : oneChapter, ct);
                    arriving.TrySetResult(voice);
                }
                : null;

            // The decoding goes on on a thread of its own, so that a long voice's first chapter can be
            // heard before the rest of it is decoded; stopped if what waits for it fails.
            var decodingStop = CancellationTokenSource.CreateLinkedTokenSource(ct);
            var stopOwned = true;
            Task<AudioClip>? decoding = null;
            AudioClip? clip = null;
            (MotionFeed Feed, IDisposable? Owned)? firstMotion = null;
            try
            {
                progress?.Report(new PipelineProgress("voice", 0, 0));
                decoding = Task.Factory.StartNew(() => AudioDecoder.Decode(request.AudioPath, sampleRate, gainDb: 0, decodingStop.Token, analyseWhileDecoding, soundChannels),
                    decodingStop.Token, TaskCreationOptions.LongRunning, TaskScheduler.Default);
                if (analyseWhileDecoding is not null && Task.WaitAny([arriving.Task, decoding], ct) == 0 && saysLong
                    && LongAndLoudWhileDecoding(arriving.Task.Result, firstChapter, ct) is { } first)
                {
                    // Heard while the rest decodes: the chapters after it wait for the voice's length.
                    var whole = decoding;
                    firstMotion = FirstChapter(first, int.MaxValue);
                    var chaptered = Chaptered(stop => VoiceChapters.Plan(FramesOf(Waiting.ResultOf(whole, stop), fps), lengths, heardAsLong: true),
                        chapter => chapter.SliceOf(whole.Result, fps, FramesOf(whole.Result, fps)));
                    stopOwned = false;
                    return new VoiceMotion(whole, lengths.First, fps, chaptered, null, decodingStop);
                }

                clip = decoding.GetAwaiter().GetResult();
                var frameCount = FramesOf(clip, fps);
                // A given track is read before the slow stages, so that a bad file fails fast.
                if (options.MotionInPath is not null)
                {
                    var given = MotionJson.Load(options.MotionInPath);
                    progress?.Report(new PipelineProgress("face", 0, 0));
                    progress?.Report(new PipelineProgress("motion", 0, 0));
                    return new VoiceMotion(clip, fps, new MotionFeed(Fit(given, frameCount, options)) { Mouth = GivenTrackMouth(given.FrameCount, frameCount, fps) }, null);
                }

                // A quiet voice is decoded again, raised (Loudness), before anything listens to it: a
                // voice heard in chapters is taken as it is if its first chapter is loud enough.
                var chapters = VoiceChapters.Plan(frameCount, lengths, saysLong);
                if ((chapters.Length == 1 || Loudness.GainFor(chapters[0].SliceOf(clip, fps, frameCount), ct) > 0)
                    && Loudness.GainFor(clip, ct) is var gainDb and > 0)
                {
                    early?.Discard();
                    early = null;
                    var raised = AudioDecoder.Decode(request.AudioPath, clip.SampleRateHz, gainDb, ct, analyseWhileDecoding);
                    clip.Dispose();
                    clip = raised;
                }

                var voice = clip;
                if (chapters.Length == 1)
                {
                    var (feed, owned) = Chapter(voice, TakeEarly(voice.Length, voice.Length), frameCount, options, progress, rendering, decoders, DecoderThreads, ct);
                    return new VoiceMotion(clip, fps, feed, owned);
                }

                firstMotion = FirstChapter(chapters[0].SliceOf(voice, fps, frameCount), voice.Length);
                return new VoiceMotion(clip, fps, Chaptered(_ => chapters, chapter => chapter.SliceOf(voice, fps, frameCount)), null);
            }
            catch
            {
                // The motion lets go of the voice's file before the decoding (if it still runs) is
                // stopped and its clip released.
                if (firstMotion is { } made)
                {
                    made.Feed.Dispose();
                    made.Owned?.Dispose();
                }

                early?.Discard();
                if (clip is null && decoding is not null)
                {
                    decodingStop.Cancel();
                    try
                    {
                        clip = decoding.GetAwaiter().GetResult();
                    }
                    catch
                    {
                        // Stopped, or failed: the error reported is the one that brought us here, or the decoding's own.
                    }
                }

                clip?.Dispose();
                throw;
            }
            finally
            {
                // The decoding took what it needed; the rest would hold 100 MB each behind the frames.
                decoders?.Dispose();
                if (stopOwned) decodingStop.Dispose();
            }

            // The features computed while the voice decoded, taken if they are those of its first samples (else let go).
            EarlyFeatures? TakeEarly(int samples, int voiceSamples)
            {
                var taken = early;
                early = null;
                if (taken is null || taken.Describe(samples, voiceSamples)) return taken;
                taken.Discard();
                return null;
            }

            // A long voice's first chapter (its samples; the voice has voiceSamples, or more than the early features go if unknown).
            (MotionFeed Feed, IDisposable? Owned) FirstChapter(AudioClip first, int voiceSamples) =>
                Chapter(first, TakeEarly(first.Length, voiceSamples), lengths.First, options, progress, rendering, decoders, DecoderThreads, ct);

            // The chapters after the first are heard on the feed's thread, each with a seed of its own (and,
            // once one was found English, as English), and their frames drawn, so that none reports progress;
            // as many decoders as go on beside the renderer (one above 720p: two recognisers beside large
            // frames' buffers would hold too much).
            ChapteredFeed Chaptered(Func<CancellationToken, Chapter[]> plan, Func<Chapter, AudioClip> voiceOf)
            {
                // The first chapter's recognisers go on to the next chapters (PreloadedDecoders.Return), held
                // by the feed until the last chapter is let go.
                var shared = decoders;
                decoders = null;
                var drawn = new StrongBox<bool>(true);
                var firstMouth = firstMotion!.Value.Feed.Mouth;
                // Chapters are prepared one after the other, on the feed's thread.
                var englishBefore = firstMotion.Value.Feed.FoundEnglish;
                var chapterLength = Seconds(options.ChapterSeconds);
                return new ChapteredFeed(lengths.FirstChapter, lengths.FirstAlone, fps, firstMotion.Value, plan, (k, chapter, beside, stop) =>
                {
                    var made = Chapter(voiceOf(chapter), null, chapter.FrameCount, options with { Seed = MotionGenerator.DeriveSeed(options.Seed, ChapterSeedStream + k), EnglishBefore = englishBefore },
                        null, drawn, shared, beside > 0 ? beside : DecoderThreads, stop);
                    englishBefore |= made.Feed.FoundEnglish;
                    return made;
                }, ct, shared)
                {
                    DescribeMouth = count => lengths.First == lengths.Rest
                        ? $"{firstMouth}; the voice heard in {count} chapters of {chapterLength}, each on its own"
                        : $"{firstMouth}; the voice heard in {count} chapters (the first of {Seconds(options.FirstChapterSeconds)}, the others of {chapterLength}), each on its own",
                };
            }
        }

        /// <summary>A chapter's length in words: "5 minutes", "a minute", "8 s".</summary>
        private static string Seconds(double seconds) => seconds == 60 ? "a minute" : string.Create(System.Globalization.CultureInfo.InvariantCulture,
            $"{(seconds >= 60 ? $"{seconds / 60:0.#} minutes" : $"{seconds:0.#} s")}");

        /// <summary>Video frames for a voice: as many as it lasts, the last one partly.</summary>
        private static int FramesOf(AudioClip voice, double framesPerSecond) =>
            Math.Max(1, (int)Math.Ceiling(voice.DurationSeconds * framesPerSecond - 1e-6));

        /// <summary>
        /// The first <paramref name="firstChapter"/> samples of a voice still decoding, once they and a
        /// second more have arrived (its container may say more than it holds), if they are loud enough
        /// as they are (<see cref="Loudness"/>); else null, and the voice is heard once it is decoded.
        /// </summary>
        private static AudioClip? LongAndLoudWhileDecoding(DecodingVoice voice, int firstChapter, CancellationToken ct)
        {
            var needed = firstChapter + (long)voice.SampleRateHz;
            if (voice.WaitFor(needed, ct) is { } length && length < needed) return null;
            var first = voice.Prefix(firstChapter);
            return Loudness.GainFor(first, ct) > 0 ? null : first;
        }

        public void Dispose()
        {
            Feed.Dispose();
            _owned?.Dispose();
            if (!_voice.IsCompleted) _decodingStop?.Cancel();
            try
            {
                Waiting.ResultOf(_voice, CancellationToken.None).Dispose();
            }
            catch (Exception) when (_decodingStop is not null)
            {
                // A decoding that failed, or was stopped, behind the frames: its error was the run's.
            }

            _decodingStop?.Dispose();
        }

        /// <summary>Where chapters' seeds are drawn from (<see cref="MotionGenerator.DeriveSeed"/>): past the models' own streams.</summary>
        private const int ChapterSeedStream = 1000;

        /// <summary>
        /// A voice, or one chapter of it, heard as a voice of its own: cleaned if it is noisy, its features
        /// (<paramref name="early"/>, if given: this clip's, computed while it decoded, and kept unless it is
        /// cleaned), then its motion. The voices made here (cleaned, or without a steady background) are
        /// returned to be released with the motion.
        /// </summary>
        private static (MotionFeed Feed, IDisposable? Owned) Chapter(AudioClip clip, EarlyFeatures? early, int frameCount, AnimateOptions options,
            IProgress<PipelineProgress>? progress, StrongBox<bool> rendering, PreloadedDecoders? decoders, int decoderThreads, CancellationToken ct)
        {
            var made = new ClipsMade();
            try
            {
                // A noisy voice is filtered before anything listens to it (the output keeps the voice
                // as given); the features computed while it decoded were the noisy voice's.
                var cleaned = NoiseReduction.Clean(clip, out var loudOverQuietDb, ct);
                if (!ReferenceEquals(cleaned, clip))
                {
                    early?.Discard();
                    early = null;
                    clip = made.Add(cleaned);
                }

                AudioFeatures features;
                if (early is not null)
                {
                    features = early.Result();
                    early = null;
                }
                else
                {
                    features = AudioAnalyzer.Analyze(clip, ct: ct);
                }

                // Sound, but no voice found in it: a steady background as loud as the voice (a held
                // chord, a drone, hum) can hide it from the activity track; without it, the voice is there.
                if (SpeechShare(features) < NoVoiceShare && Statistics.Percentile(features.EnergyDb, 95) > AudibleDb
                    && NoiseReduction.WithoutSteadyBackground(clip, ct) is { } withoutBackground)
                {
                    var found = AudioAnalyzer.Analyze(withoutBackground, ct: ct);
                    if (SpeechShare(found) >= 2 * NoVoiceShare)
                    {
                        clip = made.Add(withoutBackground);
                        features = found;
                    }
                    else
                    {
                        withoutBackground.Dispose();
                    }
                }

                progress?.Report(new PipelineProgress("face", 0, 0));
                progress?.Report(new PipelineProgress("motion", 0, 0));
                return (Generate(clip, features, frameCount, options, loudOverQuietDb, progress, rendering, decoders, decoderThreads, ct), made);
            }
            catch
            {
                early?.Discard();
                made.Dispose();
                throw;
            }
        }
    }

    /// <summary>Voices made from a voice (cleaned, or without its steady background), released together.</summary>
    private sealed class ClipsMade : IDisposable
    {
        private readonly List<AudioClip> _clips = [];

        public AudioClip Add(AudioClip clip)
        {
            _clips.Add(clip);
            return clip;
        }

        public void Dispose()
        {
            foreach (var clip in _clips) clip.Dispose();
            _clips.Clear();
        }
    }

    /// <summary>A voice's features computed on a thread of their own while ffmpeg decodes it (<see cref="AudioAnalyzer.AnalyzeWhileDecoding"/>).</summary>
    private sealed class EarlyFeatures
    {
        private readonly CancellationTokenSource _stop;
        private readonly Task<AudioFeatures> _analysis;
        private readonly int _limit;

        private EarlyFeatures(DecodingVoice voice, int limit, CancellationToken ct)
        {
            _limit = limit;
            _stop = CancellationTokenSource.CreateLinkedTokenSource(ct);
            var token = _stop.Token;
            _analysis = Task.Factory.StartNew(() => AudioAnalyzer.AnalyzeWhileDecoding(new ArrivingPrefix(voice, limit), ct: token), token, TaskCreationOptions.LongRunning, TaskScheduler.Default);
        }

        /// <summary>Features of <paramref name="voice"/>'s first <paramref name="limit"/> samples (all of it, if shorter).</summary>
        public static EarlyFeatures Start(DecodingVoice voice, int limit, CancellationToken ct) => new(voice, limit, ct);

        /// <summary>Whether they are those of the voice's first <paramref name="samples"/>, given that it has <paramref name="voiceSamples"/>.</summary>
        public bool Describe(int samples, int voiceSamples) => samples == Math.Min(voiceSamples, _limit);

        /// <summary>The features (waiting for the last of them).</summary>
        public AudioFeatures Result()
        {
            using (_stop)
            {
                return _analysis.GetAwaiter().GetResult();
            }
        }

        /// <summary>Stops them and waits for them to let go of the voice's file (the clip's, which the caller disposes next).</summary>
        public void Discard()
        {
            using (_stop)
            {
                _stop.Cancel();
                try
                {
                    _analysis.Wait();
                }
                catch (AggregateException)
                {
                    // Cancelled, or the decoding failed: whatever failed is reported by the decoding itself.
                }
            }
        }
    }

    /// <summary>
    /// Features, style, then the motion: from English phones (decoded behind the renderer, the mouth
    /// following the decoded prefix) when English is spoken, from the acoustic model otherwise.
    /// </summary>
    private static MotionFeed Generate(AudioClip clip, AudioFeatures features, int frameCount, AnimateOptions options, double loudOverQuietDb, IProgress<PipelineProgress>? progress,
        StrongBox<bool> rendering, PreloadedDecoders? decoders, int decoderThreads, CancellationToken cancellationToken)
    {
        var sung = VoiceCharacter.SoundsSung(features);
        var style = options.Style ?? (sung ? MotionStyle.Singing : MotionStyle.Neutral);
        var motionOptions = new MotionOptions
        {
            FramesPerSecond = options.FramesPerSecond,
            Seed = options.Seed,
            Style = style,
            Expressiveness = options.Expressiveness,
            HeadMotion = options.HeadMotion,
        };
        // Auto skips the decoder for a voice that holds notes (singing) and for a noisy one: the acoustic model suits them, and it saves the decoding.
        const string OrDecode = "--language en decodes it anyway";
        var inv = System.Globalization.CultureInfo.InvariantCulture;
        string mouth;
        LabialEvidence? lips = null;
        if (options.Language == LanguageMode.English || (options.Language == LanguageMode.Auto && !sung && !TooNoisyForPhones(loudOverQuietDb)))
        {
            // The longest wait on a long English voice: say how far it is, until frames are drawn.
            var decoding = PhonemeAnalyzer.Start(clip, features, new PhonemeAnalysisOptions { ParallelPrefixVoiceSeconds = LanguageDecisionVoiceSeconds, DegreeOfParallelism = decoderThreads }, cancellationToken,
                piecesDone: (done, total) =>
                {
                    if (!Volatile.Read(ref rendering.Value)) progress?.Report(new PipelineProgress("phones", done, total));
                }, preloaded: decoders);
            try
            {
                // The murmurs the sound says are the lips' close them whatever the decoder heard there.
                // Their evidence and the track from phones are made while the decoders decode the
                // language decision's prefix, not after it, where the first frame waited for them (on a
                // minute of voice 23 ms, on ten 60 ms); a voice that is not English drops the track and
                // keeps the evidence for the sound's mouth.
                lips = HearsLips(features) ? LabialEvidence.Measure(clip) : null;
                var fromPhones = new MotionBuilder(features, frameCount, motionOptions with { LabialFrames = lips is null ? null : lips.LabialFrames }, fromPhones: true);
                // A later chapter of a long voice after one found English is not decided again (AnimateOptions.EnglishBefore).
                var auto = options.Language == LanguageMode.Auto;
                var doubt = !auto || options.EnglishBefore ? null : DecideLanguage(decoding, cancellationToken).Doubt;
                if (doubt is null)
                {
                    return new MotionFeed(fromPhones, decoding, lips, cancellationToken)
                    {
                        Mouth = auto ? "English phones (the voice is confidently English)" : "English phones (--language en)",
                        FoundEnglish = auto,
                    };
                }

                mouth = $"the sound (the voice is not confidently English: {doubt}; {OrDecode})";
            }
            catch
            {
                decoding.Dispose();
                lips?.Dispose();
                throw;
            }

            // Not English: the rest need not be decoded.
            decoding.Dispose();
        }
        else
        {
            mouth = options.Language == LanguageMode.None ? "the sound (--language none)"
                : !Enumerable.Range(0, features.FrameCount).Any(features.IsSpeech) ? "the sound (no voice is heard in it)"
                : sung ? $"the sound (the voice holds notes: singing; {OrDecode})"
                : string.Create(inv, $"the sound (noise or music under the voice: its louder frames stand {loudOverQuietDb:0.0} dB above its quietest, under {PhonesNoisyBelowDb:0}; {OrDecode})");
        }

        // The murmurs the lips close, spoken or sung, are told from the tongue's by the acoustic model where
        // it is installed, heard behind the renderer (the frames before a murmur do not wait for it).
        if ((lips ?? (HearsLips(features) ? LabialEvidence.Measure(clip) : null)) is { } heard)
        {
            return new MotionFeed(new MotionBuilder(features, frameCount, motionOptions, fromPhones: false, deferLips: true), heard, cancellationToken) { Mouth = mouth };
        }

        return new MotionFeed(MotionGenerator.Generate(features, frameCount, motionOptions)) { Mouth = mouth };
    }

    /// <summary>Whether the acoustic model can be asked which murmurs are the lips' (features at its frame rate).</summary>
    private static bool HearsLips(AudioFeatures features) => features.FrameRateHz == PocketSphinxDecoder.FrameRateHz;

    /// <summary>What moves the mouth with <c>--motion-in</c>, saying where the track and the voice differ in length (a frame either way is rounding).</summary>
    internal static string GivenTrackMouth(int trackFrames, int voiceFrames, double fps)
    {
        var inv = System.Globalization.CultureInfo.InvariantCulture;
        string Seconds(int frames) => (frames / fps).ToString("0.00", inv);
        return trackFrames < voiceFrames - 1
            ? $"the given track (--motion-in), which covers {Seconds(trackFrames)} s of the voice's {Seconds(voiceFrames)} s: its last frame is held to the end"
            : trackFrames > voiceFrames + 1
                ? $"the given track (--motion-in), whose {Seconds(trackFrames)} s are cut to the voice's {Seconds(voiceFrames)} s"
                : "the given track (--motion-in)";
    }

    /// <summary>A given track fitted to the video: it must have the video's fps; a short one holds its last frame, a long one is cut at the end of the voice.</summary>
    private static MotionTrack Fit(MotionTrack given, int frameCount, AnimateOptions options)
    {
        var path = options.MotionInPath!;
        if (Math.Abs(given.FramesPerSecond - options.FramesPerSecond) > 1e-6)
            throw new InvalidInputException(path, $"is a track at {given.FramesPerSecond.ToString(System.Globalization.CultureInfo.InvariantCulture)} fps, but the video is made at {options.FramesPerSecond.ToString(System.Globalization.CultureInfo.InvariantCulture)} fps.", "Give the same --fps, or regenerate the track.");
        if (given.FrameCount == 0)
            throw new InvalidInputException(path, "has no frames.");
        var frames = new FaceState[frameCount];
        for (var k = 0; k < frameCount; k++)
            frames[k] = given.Frames[Math.Min(k, given.FrameCount - 1)];
        return new MotionTrack(given.FramesPerSecond, frames);
    }

    /// <summary>
    /// The manifest id, and with it the watermark's payload, from everything that decides the video:
    /// the inputs' hashes, the consent, every option that changes a pixel or a sound. The same inputs
    /// and seed then give the same video stream, byte for byte (a random id would change the
    /// watermark, and so every frame); only the signed record appended after it (time, signature)
    /// differs between runs.
    /// </summary>
    private static string ManifestIdFor(ManifestClaims claims, AnimateOptions o)
    {
        var inv = System.Globalization.CultureInfo.InvariantCulture;
        static string HashOf(string? path) => path is null ? "-" : ManifestClaims.Sha256OfFile(path);
        var material = new System.Text.StringBuilder()
            .Append("parla-manifest-id-v1\n")
            .Append(claims.SourceImageSha256).Append('\n')
            .Append(claims.SourceAudioSha256).Append('\n')
            .Append(claims.Consent?.Text).Append('\n');
        foreach (var (key, value) in claims.Parameters.OrderBy(p => p.Key, StringComparer.Ordinal))
            material.Append(key).Append('=').Append(value).Append('\n');
        material.Append(inv, $"language={o.Language}\nstyle={o.Style}\nexpressiveness={o.Expressiveness:R}\nheadMotion={o.HeadMotion:R}\n")
            .Append(inv, $"labelText={o.Label.Text}\nlabelPosition={o.Label.Position}\n")
            .Append("landmarks=").Append(HashOf(o.Portrait.LandmarksPath)).Append('\n')
            .Append("rig=").Append(HashOf(o.Portrait.RigPath)).Append('\n')
            .Append("motionIn=").Append(HashOf(o.MotionInPath)).Append('\n');
        var hash = System.Security.Cryptography.SHA256.HashData(System.Text.Encoding.UTF8.GetBytes(material.ToString()));
        return Convert.ToHexStringLower(hash.AsSpan(0, 16));
    }

    /// <summary>The generation parameters recorded in the signed manifest.</summary>
    private static Dictionary<string, string> ManifestParameters(AnimateRequest request)
    {
        var o = request.Options;
        var inv = System.Globalization.CultureInfo.InvariantCulture;
        return new Dictionary<string, string>
        {
            ["fps"] = o.FramesPerSecond.ToString(inv),
            ["maxSize"] = o.Portrait.MaxSidePixels.ToString(inv),
            ["seed"] = o.Seed.ToString(inv),
            ["face"] = o.Portrait.FaceIndex.ToString(inv),
            ["landmarks"] = o.Portrait.LandmarksPath is null ? "detected" : "given",
            ["label"] = o.Label.Enabled ? "on" : "off",
        };
    }

    /// <summary>Reports on the caller's thread (unlike <see cref="Progress{T}"/>, which posts to the thread pool).</summary>
    private sealed class SynchronousProgress(Action<int> report) : IProgress<int>
    {
        public void Report(int value) => report(value);
    }
}
