using System.Diagnostics;
using Parla.Audio;
using Parla.Audio.Phonemes;
using Parla.Face;
using Parla.Face.Rig;
using Parla.Media;
using Parla.Motion;
using Parla.Rendering;

namespace Parla.Pipeline;

/// <summary>One animation job: the portrait, the voice, where the video goes, and how.</summary>
public sealed record AnimateRequest(string ImagePath, string AudioPath, string OutputPath, AnimateOptions Options);

/// <summary>What an animation produced.</summary>
public sealed record AnimateResult(string OutputPath, int FrameCount, int Width, int Height, double DurationSeconds, double ElapsedSeconds, MotionTrack Motion);

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
        OutputFile.EnsureWritable(request.OutputPath);
        if (options.MotionJsonPath is not null) OutputFile.EnsureWritable(options.MotionJsonPath);

        progress?.Report(new PipelineProgress("portrait", 0, 0));
        using var original = ImageLoader.Load(request.ImagePath);
        using var portrait = ImageLoader.FitForVideo(original, options.MaxSidePixels);
        ImageLoader.FlattenAlpha(portrait);
        var scale = (float)portrait.Width / original.Width;

        progress?.Report(new PipelineProgress("voice", 0, 0));
        var clip = AudioDecoder.Decode(request.AudioPath, ct: cancellationToken);
        var frameCount = Math.Max(1, (int)Math.Ceiling(clip.DurationSeconds * options.FramesPerSecond - 1e-6));
        // A given track is read before the slow stages, so that a bad file fails fast.
        var given = options.MotionInPath is null ? null : MotionJson.Load(options.MotionInPath);

        progress?.Report(new PipelineProgress("face", 0, 0));
        var face = FindFace(request, original, portrait, scale);
        var topology = FaceTopology.Load(Path.Combine(_models.EnsureFaceMeshPackage(cancellationToken), "face_mesh.js"));
        var rig = FaceRig.Build(face, portrait.Width, portrait.Height, topology, portrait);

        progress?.Report(new PipelineProgress("motion", 0, 0));
        var motion = given is null ? Generate(clip, frameCount, options, cancellationToken) : Fit(given, frameCount, options);
        if (options.MotionJsonPath is not null)
            OutputFile.WriteAllTextAtomic(options.MotionJsonPath, MotionJson.Serialize(motion));

        cancellationToken.ThrowIfCancellationRequested();
        using var renderer = new FaceRenderer(portrait, rig);
        using (var encoder = new VideoEncoder(new VideoEncoderOptions
        {
            OutputPath = request.OutputPath,
            Width = portrait.Width,
            Height = portrait.Height,
            FramesPerSecond = options.FramesPerSecond,
            AudioPath = request.AudioPath,
        }))
        {
            var frames = motion.Frames;
            FrameStreamer.Stream(frameCount, portrait.Width, portrait.Height,
                (i, destination) => renderer.Render(frames[i], destination),
                encoder, options.DegreeOfParallelism, new SynchronousProgress(n => progress?.Report(new PipelineProgress("render", n, frameCount))),
                cancellationToken);
            encoder.Complete();
        }

        return new AnimateResult(request.OutputPath, frameCount, portrait.Width, portrait.Height,
            frameCount / options.FramesPerSecond, clock.Elapsed.TotalSeconds, motion);
    }

    /// <summary>Features, phones when English is spoken, style, then the motion track.</summary>
    private static MotionTrack Generate(AudioClip clip, int frameCount, AnimateOptions options, CancellationToken cancellationToken)
    {
        var features = AudioAnalyzer.Analyze(clip, ct: cancellationToken);
        var style = options.Style ?? (VoiceCharacter.SoundsSung(features) ? MotionStyle.Singing : MotionStyle.Neutral);
        IReadOnlyList<Phone>? phones = null;
        // Auto skips the decoder for a voice that holds notes (singing): the acoustic model suits it, and it saves the decoding.
        if (options.Language == LanguageMode.English || (options.Language == LanguageMode.Auto && !VoiceCharacter.SoundsSung(features)))
        {
            var track = PhonemeAnalyzer.Analyze(clip, features, ct: cancellationToken);
            if (options.Language == LanguageMode.English || track.Confidence.IsConfident)
                phones = track.Phones;
        }

        return MotionGenerator.Generate(features, phones, frameCount, new MotionOptions
        {
            FramesPerSecond = options.FramesPerSecond,
            Seed = options.Seed,
            Style = style,
            Expressiveness = options.Expressiveness,
            HeadMotion = options.HeadMotion,
        });
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

    /// <summary>The face to animate, in the coordinates of the (scaled) portrait.</summary>
    private DetectedFace FindFace(AnimateRequest request, Frame original, Frame portrait, float scale)
    {
        var options = request.Options;
        IReadOnlyList<DetectedFace> faces;
        if (options.LandmarksPath is not null)
        {
            faces = LandmarksJson.Read(options.LandmarksPath);
            faces = faces.Select(f => Scale(f, scale)).ToList();
        }
        else
        {
            using var analyzer = FaceAnalyzer.Create(_models);
            faces = analyzer.Detect(portrait);
        }
        if (faces.Count == 0)
            throw new NoFaceException($"{request.ImagePath}: no face was found. Give the face's landmarks with --landmarks FILE (see 'parla landmarks --help' for the format).");
        if (options.FaceIndex >= faces.Count)
            throw new NoFaceException($"{request.ImagePath}: --face {options.FaceIndex} asked for, but only {faces.Count} face(s) found (numbered from 0, largest first).");
        return faces[options.FaceIndex];
    }

    private static DetectedFace Scale(DetectedFace face, float s) => s == 1f ? face : face with
    {
        Box = new BoxF(face.Box.X * s, face.Box.Y * s, face.Box.Width * s, face.Box.Height * s),
        Points = face.Points.Select(p => p * s).ToArray(),
    };

    /// <summary>Reports on the caller's thread (unlike <see cref="Progress{T}"/>, which posts to the thread pool).</summary>
    private sealed class SynchronousProgress(Action<int> report) : IProgress<int>
    {
        public void Report(int value) => report(value);
    }
}
