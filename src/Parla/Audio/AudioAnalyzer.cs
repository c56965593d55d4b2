using Parla.Media;

namespace Parla.Audio;

/// <summary>
/// Computes <see cref="AudioFeatures"/> from mono audio: energy, activity, voicing, pitch and
/// spectral shape at a fixed frame rate (100 Hz by default).
/// </summary>
public static class AudioAnalyzer
{
    /// <summary>
    /// Analyses a whole clip, its frames in parallel on <paramref name="degreeOfParallelism"/> threads
    /// (default: all cores); the same result, bit for bit, as pushing it through an
    /// <see cref="AudioFeatureStream"/> in any chunks.
    /// </summary>
    public static AudioFeatures Analyze(AudioClip clip, AudioAnalysisOptions? options = null, CancellationToken ct = default, int degreeOfParallelism = 0)
    {
        ArgumentNullException.ThrowIfNull(clip);
        var stream = new AudioFeatureStream(clip.SampleRateHz, options);
        return stream.AnalyzeWhole(clip, degreeOfParallelism > 0 ? degreeOfParallelism : Environment.ProcessorCount, ct);
    }

    /// <summary>
    /// As <see cref="Analyze"/>, on a voice ffmpeg is still decoding: each segment of frames is analysed
    /// as soon as its samples have arrived, so that the features of a long compressed voice (a
    /// ten-minute MP3 takes 0.6 s to decode) are nearly done when its decoding is. The same result, bit
    /// for bit, as <see cref="Analyze"/> on the decoded clip.
    /// </summary>
    /// <exception cref="OperationCanceledException">The decoding failed, or <paramref name="ct"/> was cancelled.</exception>
    internal static AudioFeatures AnalyzeWhileDecoding(IArrivingSamples voice, AudioAnalysisOptions? options = null, CancellationToken ct = default)
    {
        ArgumentNullException.ThrowIfNull(voice);
        var stream = new AudioFeatureStream(voice.SampleRateHz, options);
        return stream.AnalyzeWhole(voice, Environment.ProcessorCount, ct);
    }
}

/// <summary>
/// Incremental feature extraction: push samples in chunks of any size as they arrive, then call
/// <see cref="Complete"/>. Frame-local features are computed as soon as a frame's samples are in;
/// speech activity needs the whole clip's energy distribution and is computed at the end.
/// </summary>
public sealed class AudioFeatureStream
{
    private readonly AudioAnalysisOptions _options;
    private readonly int _sampleRateHz;
    private readonly int _hop;
    private readonly FrameAnalyzer _analyzer;
    private readonly float[] _pending;
    private readonly HighPassFilter? _highPass;
    private readonly List<FrameValues> _frames = new();
    private int _pendingCount;
    private long _samplesPushed;
    private bool _completed;

    public AudioFeatureStream(int sampleRateHz, AudioAnalysisOptions? options = null)
    {
        _options = options ?? new AudioAnalysisOptions();
        _options.ThrowIfInvalid(sampleRateHz);
        _sampleRateHz = sampleRateHz;
        _hop = Math.Max(1, (int)Math.Round(_options.HopSeconds * sampleRateHz));
        _analyzer = new FrameAnalyzer(_options, sampleRateHz);
        _pending = new float[_analyzer.SpanLength + _hop];
        _highPass = _options.HighPassHz > 0 ? new HighPassFilter(_options.HighPassHz, sampleRateHz) : null;
        // Frames are centred on i·hop: the stream starts with half a span of silence before sample 0.
        _pendingCount = _analyzer.SpanLength / 2;
    }

    /// <summary>Frames per second of the features produced.</summary>
    public double FrameRateHz => (double)_sampleRateHz / _hop;

    /// <summary>Frames complete so far.</summary>
    public int FramesReady => _frames.Count;

    /// <summary>Adds samples; frames whose span is now complete are analysed at once.</summary>
    public void Push(ReadOnlySpan<float> samples)
    {
        ObjectDisposedException.ThrowIf(_completed, this);
        _samplesPushed += samples.Length;
        while (!samples.IsEmpty)
        {
            var take = Math.Min(samples.Length, _pending.Length - _pendingCount);
            var destination = _pending.AsSpan(_pendingCount, take);
            if (_highPass is null)
            {
                samples[..take].CopyTo(destination);
            }
            else
            {
                _highPass.Process(samples[..take], destination);
            }

            _pendingCount += take;
            samples = samples[take..];
            DrainFrames(long.MaxValue);
        }
    }

    /// <summary>
    /// Analyses a whole clip at once on a fresh stream: the high-pass filter runs over it in order (it
    /// has state), a segment of frames at a time, and each segment's frames, which depend only on their
    /// own span, are analysed in parallel, each worker with its own analyser. Only one segment of
    /// filtered floats is held (about 5 MB), however long the clip. Samples still arriving (a voice
    /// being decoded) are waited for a segment at a time; the segments are the same either way.
    /// </summary>
    internal AudioFeatures AnalyzeWhole(IArrivingSamples clip, int degreeOfParallelism, CancellationToken ct)
    {
        ObjectDisposedException.ThrowIf(_completed, this);
        if (_samplesPushed != 0) throw new InvalidOperationException("AnalyzeWhole needs a fresh stream.");
        var span = _analyzer.SpanLength;
        var lead = _pendingCount;
        // Frame i reads padded[i·hop, i·hop + span): half a span of silence, the filtered clip, silence.
        // The buffer holds padded[f0·hop, f0·hop + SegmentFrames·hop + span) for the segment from frame f0;
        // consecutive segments overlap by span − hop samples, which are carried over.
        const int SegmentFrames = 8192;
        var length = clip.WaitFor(0, ct);
        _frames.EnsureCapacity(length is { } known ? FramesOf(known) : SegmentFrames);
        var buffer = new float[((Math.Clamp(length is { } n ? FramesOf(n) : SegmentFrames, 1, SegmentFrames) - 1) * _hop) + span];
        var padded = new PaddedClip(clip, lead, _highPass);
        var segment = new FrameValues[SegmentFrames];
        long bufferStart = 0, produced = 0;
        var options = new ParallelOptions { MaxDegreeOfParallelism = Math.Max(1, degreeOfParallelism), CancellationToken = ct };
        for (var f0 = 0; ; f0 += SegmentFrames)
        {
            // The samples a whole segment reads, unless the clip is known to end before.
            length ??= clip.WaitFor(((long)(f0 + SegmentFrames - 1) * _hop) + span - lead, ct);
            padded.Length = length;
            var f1 = length is { } total ? Math.Min(FramesOf(total), f0 + SegmentFrames) : f0 + SegmentFrames;
            if (f1 <= f0) break;
            var start = (long)f0 * _hop;
            var end = ((long)(f1 - 1) * _hop) + span;
            var kept = (int)(produced - start);
            buffer.AsSpan((int)(start - bufferStart), kept).CopyTo(buffer);
            padded.Read(buffer.AsSpan(kept, (int)(end - produced)));
            bufferStart = start;
            produced = end;

            const int Block = 512;
            var blocks = (f1 - f0 + Block - 1) / Block;
            Parallel.For(0, blocks, options,
                () => new FrameAnalyzer(_options, _sampleRateHz),
                (b, _, analyzer) =>
                {
                    var last = Math.Min(f1, f0 + ((b + 1) * Block));
                    for (var i = f0 + (b * Block); i < last; i++)
                        segment[i - f0] = analyzer.Analyze(buffer.AsSpan((i - f0) * _hop, span));
                    return analyzer;
                },
                _ => { });
            _frames.AddRange(segment.AsSpan(0, f1 - f0));
        }

        _samplesPushed = length!.Value;
        _completed = true;
        return Finish();
    }

    /// <summary>Frames of a clip of <paramref name="samples"/>: the last frame centre lies on or before the last sample.</summary>
    private int FramesOf(long samples) => (int)((samples + _hop - 1) / _hop);

    /// <summary>The clip as the frames read it, in order: silence, the (filtered) samples as floats, silence.</summary>
    private sealed class PaddedClip(IArrivingSamples clip, int lead, HighPassFilter? highPass)
    {
        private long _position;

        /// <summary>The clip's length once known; until then, reads stay within the samples that have arrived.</summary>
        public int? Length { get; set; }

        public void Read(Span<float> destination)
        {
            while (!destination.IsEmpty)
            {
                int take;
                if (_position < lead || (Length is { } length && _position >= lead + length))
                {
                    take = _position < lead ? (int)Math.Min(destination.Length, lead - _position) : destination.Length;
                    destination[..take].Clear();
                }
                else
                {
                    var at = (int)(_position - lead);
                    take = Length is { } known ? Math.Min(destination.Length, known - at) : destination.Length;
                    var part = destination[..take];
                    clip.CopyTo(at, part);
                    highPass?.Process(part, part);
                }

                _position += take;
                destination = destination[take..];
            }
        }
    }

    /// <summary>Pads the end with silence, finishes the last frames and computes activity. The stream cannot be used afterwards.</summary>
    public AudioFeatures Complete()
    {
        ObjectDisposedException.ThrowIf(_completed, this);
        _completed = true;
        // ceil(samples / hop) frames: the last frame centre lies on or before the last sample.
        var frameCount = (_samplesPushed + _hop - 1) / _hop;
        while (_frames.Count < frameCount)
        {
            _pending.AsSpan(_pendingCount).Clear();
            _pendingCount = _pending.Length;
            DrainFrames(frameCount);
        }

        return Finish();
    }

    private void DrainFrames(long frameLimit)
    {
        var span = _analyzer.SpanLength;
        while (_pendingCount >= span && _frames.Count < frameLimit)
        {
            _frames.Add(_analyzer.Analyze(_pending.AsSpan(0, span)));
            _pending.AsSpan(_hop, _pendingCount - _hop).CopyTo(_pending);
            _pendingCount -= _hop;
        }
    }

    private AudioFeatures Finish()
    {
        var n = _frames.Count;
        var energy = new float[n];
        var probability = new float[n];
        var voicing = new float[n];
        var pitch = new float[n];
        var centroid = new float[n];
        var ratio = new float[n];
        var midBand = new float[n];
        var secondFormant = new float[n];
        for (var i = 0; i < n; i++)
        {
            var f = _frames[i];
            energy[i] = f.EnergyDb;
            voicing[i] = f.Voicing;
            pitch[i] = f.PitchHz;
            centroid[i] = f.SpectralCentroidHz;
            ratio[i] = f.BandRatioDb;
            midBand[i] = f.MidBandDb;
            secondFormant[i] = f.SecondFormantHz;
        }

        var floor = n > 0 ? Statistics.Percentile(energy, _options.NoiseFloorPercentile) : -120f;
        var loud = n > 0 ? Statistics.Percentile(energy, 95) : -120f;
        var margin = (float)_options.ActivityMarginDb;
        float threshold;
        if (loud - floor >= 2 * margin)
        {
            // The usual case, a clip with pauses: activity starts a margin above the background.
            threshold = floor + margin;
        }
        else
        {
            // No pauses to learn the background from: the "floor" is the clip itself. A periodic
            // clip (a held note, speech without breaks) is all voice; an aperiodic one (room noise,
            // hum, hiss) is all background, apart from bursts a margin above it.
            var medianVoicing = n > 0 ? Statistics.Percentile(voicing, 50) : 0f;
            threshold = medianVoicing >= _options.VoicingThreshold ? floor - margin : floor + margin;
        }

        threshold = Math.Max(threshold, (float)_options.SilenceLevelDb);
        var softness = (float)_options.ActivitySoftnessDb;
        for (var i = 0; i < n; i++)
        {
            probability[i] = 1f / (1f + MathF.Exp(-(energy[i] - threshold) / softness));
            if (probability[i] < 0.5f)
            {
                pitch[i] = 0;
            }
        }

        // A piano or a guitar sounding alone is no voice (AudioAnalysisOptions.SeparateStruckNotes).
        var struck = _options.SeparateStruckNotes ? StruckNotes.Find(energy, probability, pitch, FrameRateHz) : new bool[n];
        for (var i = 0; i < n; i++)
        {
            if (struck[i])
            {
                probability[i] = 0;
                pitch[i] = 0;
            }
        }

        return new AudioFeatures(FrameRateHz, (double)_samplesPushed / _sampleRateHz,
            energy, probability, voicing, pitch, centroid, ratio, floor, threshold, midBand, secondFormant, struck);
    }
}
