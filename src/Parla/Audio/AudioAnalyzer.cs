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
        return stream.AnalyzeWhole(clip.Samples, degreeOfParallelism > 0 ? degreeOfParallelism : Environment.ProcessorCount, ct);
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
    /// has state), then the frames, which depend only on their own span, are analysed in parallel,
    /// each worker with its own analyser. The filtered copy lives in native memory and is released at
    /// once (a 10-minute voice would otherwise leave 38 MB to the garbage collector).
    /// </summary>
    internal unsafe AudioFeatures AnalyzeWhole(ReadOnlySpan<float> samples, int degreeOfParallelism, CancellationToken ct)
    {
        ObjectDisposedException.ThrowIf(_completed, this);
        if (_samplesPushed != 0) throw new InvalidOperationException("AnalyzeWhole needs a fresh stream.");
        var span = _analyzer.SpanLength;
        var lead = _pendingCount; // the half span of silence before sample 0
        var frameCount = (samples.Length + _hop - 1) / _hop;
        // Frame i reads padded[i·hop, i·hop + span): silence, the filtered clip, silence.
        var paddedLength = (long)Math.Max(lead + samples.Length, ((long)Math.Max(frameCount - 1, 0) * _hop) + span);
        var padded = (float*)System.Runtime.InteropServices.NativeMemory.AllocZeroed((nuint)paddedLength, sizeof(float));
        try
        {
            var clip = new Span<float>(padded + lead, samples.Length);
            if (_highPass is null) samples.CopyTo(clip);
            else _highPass.Process(samples, clip);

            var frames = new FrameValues[frameCount];
            const int Block = 512;
            var blocks = (frameCount + Block - 1) / Block;
            var source = (nint)padded;
            Parallel.For(0, blocks, new ParallelOptions { MaxDegreeOfParallelism = Math.Max(1, degreeOfParallelism), CancellationToken = ct },
                () => new FrameAnalyzer(_options, _sampleRateHz),
                (b, _, analyzer) =>
                {
                    var end = Math.Min(frameCount, (b + 1) * Block);
                    for (var i = b * Block; i < end; i++)
                        frames[i] = analyzer.Analyze(new ReadOnlySpan<float>((float*)source + ((long)i * _hop), span));
                    return analyzer;
                },
                _ => { });
            _samplesPushed = samples.Length;
            _frames.AddRange(frames);
        }
        finally
        {
            System.Runtime.InteropServices.NativeMemory.Free(padded);
        }

        _completed = true;
        return Finish();
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
        for (var i = 0; i < n; i++)
        {
            var f = _frames[i];
            energy[i] = f.EnergyDb;
            voicing[i] = f.Voicing;
            pitch[i] = f.PitchHz;
            centroid[i] = f.SpectralCentroidHz;
            ratio[i] = f.BandRatioDb;
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

        return new AudioFeatures(FrameRateHz, (double)_samplesPushed / _sampleRateHz,
            energy, probability, voicing, pitch, centroid, ratio, floor, threshold);
    }
}
