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
        if (options.MotionJsonPath is not null) OutputFile.EnsureWritable(options.MotionJsonPath);

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
        var moving = Task.Factory.StartNew(() => VoiceMotion.Prepare(request, progress, rendering, motionStop.Token), motionStop.Token,
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
            }))
            {
                // Above 1080p the frames' buffers wait for the decoders to let go (see WaitsForDecodersToLetGo).
                if (!WaitsForDecodersToLetGo(width, height)) warmed = WarmUp(renderer, stamp, FrameStreamer.FromBackground(background, stampWhole), changing);
                voiceMotion = moving.GetAwaiter().GetResult();
                feed = voiceMotion.Feed;
                frameCount = voiceMotion.FrameCount;
                feed.SetDecodersBesideRenderer(DecodersBeside(width, height), WaitsForDecodersToLetGo(width, height), cancellationToken);
                cancellationToken.ThrowIfCancellationRequested();
                // Frames differ from the portrait only inside the renderer's moving bounds: only that region
                // is re-rendered and re-converted per frame.
                FrameStreamer.Stream(frameCount, width, height,
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

                        progress?.Report(new PipelineProgress("render", n, frameCount));
                    }),
                    cancellationToken, background: background, changing: changing, overBackground: stampWhole, firstDrawing: warmed);
                encoder.Complete();
            }

            return Finish(request, portrait, feed, frameCount, claims, stamp, clock, firstFrameSeconds, progress);
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
    /// noise 26 / 23 / 20 / 17 / 14 / 11 dB under it measures 24.7 / 23.3 / 21.4 / 19.0 / 16.4 / 13.8 dB;
    /// bilabial onsets closed there (yardstick, astronaut portrait) from English phones 17 / 15 / 12 /
    /// 10 / 11 / 13 of 18, from the sound 17 / 17 / 17 / 18 / 18 / 18. The clean LibriVox clips measure
    /// 24.1–28.1 dB, the demo voice 26.9 (docs/visemes.md, "Noisy voices").
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
    /// </summary>
    private sealed class VoiceMotion(AudioClip clip, int frameCount, IMotionFeed feed, IDisposable? owned) : IDisposable
    {
        public int FrameCount => frameCount;

        public IMotionFeed Feed => feed;

        /// <summary>Reads the voice and starts its motion (a given track, or one generated from the voice, chapter by chapter if it is long).</summary>
        public static VoiceMotion Prepare(AnimateRequest request, IProgress<PipelineProgress>? progress, StrongBox<bool> rendering, CancellationToken ct)
        {
            var options = request.Options;
            // The phone decoders load while the voice is read and analysed, not after.
            var decoders = options.MotionInPath is null && options.Language != LanguageMode.None ? PreloadedDecoders.Start(DecoderThreads) : null;
            AudioClip? clip = null;
            // The voice's features are computed while ffmpeg decodes it (ten minutes of MP3 take 0.6 s to
            // decode, in which a core was idle), and again while a quiet one is decoded raised; kept unless
            // the voice is then cleaned. Only its first chapter's: a longer voice's other chapters are
            // heard later, each on its own.
            EarlyFeatures? early = null;
            var firstChapterSamples = VoiceChapters.FirstChapterSamples(options.FramesPerSecond, AudioDecoder.DefaultSampleRateHz, options.ChapterSeconds);
            Action<DecodingVoice>? analyseWhileDecoding = options.MotionInPath is null
                ? voice => early = EarlyFeatures.Start(voice, firstChapterSamples, ct)
                : null;
            try
            {
                progress?.Report(new PipelineProgress("voice", 0, 0));
                clip = AudioDecoder.Decode(request.AudioPath, AudioDecoder.DefaultSampleRateHz, gainDb: 0, ct, analyseWhileDecoding);
                var frameCount = Math.Max(1, (int)Math.Ceiling(clip.DurationSeconds * options.FramesPerSecond - 1e-6));
                // A given track is read before the slow stages, so that a bad file fails fast.
                if (options.MotionInPath is not null)
                {
                    var given = MotionJson.Load(options.MotionInPath);
                    progress?.Report(new PipelineProgress("face", 0, 0));
                    progress?.Report(new PipelineProgress("motion", 0, 0));
                    return new VoiceMotion(clip, frameCount, new MotionFeed(Fit(given, frameCount, options)) { Mouth = "the given track (--motion-in)" }, null);
                }

                // A quiet voice is decoded again, raised (Loudness), before anything listens to it.
                if (Loudness.GainFor(clip, ct) is var gainDb and > 0)
                {
                    early?.Discard();
                    early = null;
                    var raised = AudioDecoder.Decode(request.AudioPath, clip.SampleRateHz, gainDb, ct, analyseWhileDecoding);
                    clip.Dispose();
                    clip = raised;
                }

                var chapters = VoiceChapters.Plan(frameCount, options.FramesPerSecond, options.ChapterSeconds);
                var voice = clip;
                var first = chapters.Length == 1 ? null : chapters[0].SliceOf(voice, options.FramesPerSecond, frameCount);
                var firstEarly = early;
                early = null;
                var firstMotion = Chapter(first ?? voice, firstEarly, chapters[0].FrameCount, options, progress, rendering, decoders, DecoderThreads, ct);
                if (chapters.Length == 1) return new VoiceMotion(clip, frameCount, firstMotion.Feed, firstMotion.Owned);

                // The later chapters are heard on the feed's thread, each with a seed of its own, and
                // their frames drawn, so that none reports progress; as many decoders as go on beside the
                // renderer (one above 720p: two recognisers beside large frames' buffers would hold too much).
                var drawn = new StrongBox<bool>(true);
                var feed = new ChapteredFeed(chapters, options.FramesPerSecond, firstMotion, (k, beside, stop) =>
                    Chapter(chapters[k].SliceOf(voice, options.FramesPerSecond, frameCount), null, chapters[k].FrameCount,
                        options with { Seed = MotionGenerator.DeriveSeed(options.Seed, ChapterSeedStream + k) }, null, drawn, null, beside > 0 ? beside : DecoderThreads, stop), ct)
                {
                    Mouth = string.Create(System.Globalization.CultureInfo.InvariantCulture,
                        $"{firstMotion.Feed.Mouth}; the voice heard in {chapters.Length} chapters of {(options.ChapterSeconds >= 60 ? $"{options.ChapterSeconds / 60:0.#} minutes" : $"{options.ChapterSeconds:0.#} s")}, each on its own"),
                };
                return new VoiceMotion(clip, frameCount, feed, null);
            }
            catch
            {
                early?.Discard();
                clip?.Dispose();
                throw;
            }
            finally
            {
                // The decoding took what it needed; the rest would hold 100 MB each behind the frames.
                decoders?.Dispose();
            }
        }

        public void Dispose()
        {
            feed.Dispose();
            owned?.Dispose();
            clip.Dispose();
        }

        /// <summary>Where chapters' seeds are drawn from (<see cref="MotionGenerator.DeriveSeed"/>): past the models' own streams.</summary>
        private const int ChapterSeedStream = 1000;

        /// <summary>
        /// A voice, or one chapter of it, heard as a voice of its own: cleaned if it is noisy, its features
        /// (those computed while it decoded, if they are still its own), then its motion. The voices made
        /// here (cleaned, or without a steady background) are returned to be released with the motion.
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
                if (early is not null && early.Covered(clip.Length))
                {
                    features = early.Result();
                    early = null;
                }
                else
                {
                    early?.Discard();
                    early = null;
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

        /// <summary>Whether they are those of a voice of <paramref name="samples"/> from the start: it fits within their limit.</summary>
        public bool Covered(int samples) => samples <= _limit;

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
                var doubt = options.Language == LanguageMode.English ? null : DecideLanguage(decoding, cancellationToken).Doubt;
                if (doubt is null)
                {
                    return new MotionFeed(fromPhones, decoding, lips, cancellationToken)
                    {
                        Mouth = options.Language == LanguageMode.English ? "English phones (--language en)" : "English phones (the voice is confidently English)",
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
