using Parla.Media;

namespace Parla.Audio;

/// <summary>
/// Computes <see cref="AudioFeatures"/> from mono audio: energy, activity, voicing, pitch and
/// spectral shape at a fixed frame rate (100 Hz by default).
/// </summary>
public static class AudioAnalyzer
{
    /// <summary>Analyses a whole clip; same result as pushing it through an <see cref="AudioFeatureStream"/> in any chunks.</summary>
    public static AudioFeatures Analyze(AudioClip clip, AudioAnalysisOptions? options = null, CancellationToken ct = default)
    {
        ArgumentNullException.ThrowIfNull(clip);
        var stream = new AudioFeatureStream(clip.SampleRateHz, options);
        const int Chunk = 1 << 16;
        var samples = clip.Samples.AsSpan();
        for (var start = 0; start < samples.Length; start += Chunk)
        {
            ct.ThrowIfCancellationRequested();
            stream.Push(samples.Slice(start, Math.Min(Chunk, samples.Length - start)));
        }

        return stream.Complete();
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
