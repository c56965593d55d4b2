using Microsoft.Win32.SafeHandles;

namespace Parla.Media;

/// <summary>
/// Samples that may still be arriving: a voice's features can be computed while ffmpeg decodes it
/// (<see cref="DecodingVoice"/>), or from a whole clip (<see cref="AudioClip"/>, all arrived).
/// </summary>
internal interface IArrivingSamples
{
    int SampleRateHz { get; }

    /// <summary>
    /// Waits until the samples before <paramref name="end"/> have arrived, or all have: the number of
    /// samples once all have arrived (the caller reads none past it), else null.
    /// </summary>
    int? WaitFor(long end, CancellationToken ct);

    /// <summary>Reads arrived samples from <paramref name="start"/> on as floats, as many as <paramref name="destination"/> holds.</summary>
    void CopyTo(int start, Span<float> destination);
}

/// <summary>
/// A voice as ffmpeg decodes it into its temporary file (<see cref="AudioDecoder"/>): what has been
/// written can be read while the rest is still decoding. Its reader must be done before the clip
/// made from the file is disposed (the file is the clip's).
/// </summary>
internal sealed class DecodingVoice : IArrivingSamples
{
    private readonly object _gate = new();
    private readonly AudioClip _view;
    private long _arrived;
    private int? _length;
    private bool _failed;

    private readonly Task<double?> _containerSeconds;
    private readonly Action? _yield;

    /// <param name="file">The temporary file the decoder writes the samples into.</param>
    /// <param name="sampleRateHz">The samples' rate.</param>
    /// <param name="containerSeconds">The voice's length as its container says, once ffmpeg has said it.</param>
    /// <param name="yield">Where given, puts the decoding behind the run's other work (<see cref="DecodeBehind"/>).</param>
    public DecodingVoice(SafeFileHandle file, int sampleRateHz, Task<double?>? containerSeconds = null, Action? yield = null)
    {
        _view = AudioClip.Viewing(file, sampleRateHz);
        SampleRateHz = sampleRateHz;
        _containerSeconds = containerSeconds ?? Task.FromResult<double?>(null);
        _yield = yield;
    }

    /// <summary>
    /// Lets the decoding yield the processor to the rest of the run: for a long voice whose first
    /// chapter is heard while the rest decodes, the rest is not wanted before the first frame. Best
    /// effort; the decoding still goes on whenever a core is free.
    /// </summary>
    public void DecodeBehind() => _yield?.Invoke();

    public int SampleRateHz { get; }

    /// <summary>
    /// How long the voice lasts as its container says (ffmpeg reads it before it decodes; for some
    /// formats an estimate from the bit rate), or null where it does not say: waits for ffmpeg to say.
    /// </summary>
    public double? ContainerSeconds(CancellationToken ct) => Waiting.ResultOf(_containerSeconds, ct);

    /// <summary>The decoder wrote samples up to <paramref name="samples"/>.</summary>
    public void Arrived(long samples)
    {
        lock (_gate)
        {
            _arrived = samples;
            Monitor.PulseAll(_gate);
        }
    }

    /// <summary>The decoding ended with <paramref name="length"/> samples.</summary>
    public void Complete(int length)
    {
        lock (_gate)
        {
            _length = length;
            Monitor.PulseAll(_gate);
        }
    }

    /// <summary>The decoding failed: whoever waits stops waiting (<see cref="OperationCanceledException"/>).</summary>
    public void Fail()
    {
        lock (_gate)
        {
            _failed = true;
            Monitor.PulseAll(_gate);
        }
    }

    public int? WaitFor(long end, CancellationToken ct)
    {
        int? all = null;
        Waiting.Until(_gate, () =>
        {
            if (_failed) throw new OperationCanceledException("The voice's decoding failed.");
            all = _length;
            return all is not null || _arrived >= end;
        }, ct);
        return all;
    }

    public void CopyTo(int start, Span<float> destination) => _view.CopyTo(start, destination);

    /// <summary>The first <paramref name="length"/> samples, arrived (<see cref="WaitFor"/>), as a clip that must not outlive the decoded clip.</summary>
    public AudioClip Prefix(int length) => _view.Slice(0, length);
}

/// <summary>
/// The first <paramref name="limit"/> samples of <paramref name="voice"/> (all of it if shorter), as a
/// voice of their own: a voice's first chapter analysed while the voice is still arriving.
/// </summary>
internal sealed class ArrivingPrefix(IArrivingSamples voice, int limit) : IArrivingSamples
{
    public int SampleRateHz => voice.SampleRateHz;

    public int? WaitFor(long end, CancellationToken ct)
    {
        if (voice.WaitFor(Math.Min(end, limit), ct) is { } length) return Math.Min(length, limit);
        // The samples before the limit have arrived: as far as this prefix goes, all have.
        return end >= limit ? limit : null;
    }

    public void CopyTo(int start, Span<float> destination) => voice.CopyTo(start, destination);
}
