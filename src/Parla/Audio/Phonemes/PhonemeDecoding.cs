using System.Diagnostics;
using Parla.Media;

namespace Parla.Audio.Phonemes;

/// <summary>The phones of the start of a clip, as far as it is decoded.</summary>
/// <param name="Phones">The prefix's phones from index <paramref name="FirstPhone"/> on (the ones a caller has not seen yet); all of them tile 0 to <paramref name="EndSeconds"/>.</param>
/// <param name="FirstPhone">The index of <paramref name="Phones"/>' first phone among all the prefix's phones.</param>
/// <param name="PieceCount">How many of the clip's pieces this prefix holds.</param>
/// <param name="EndSeconds">Where the prefix ends (the end of its last piece).</param>
/// <param name="IsComplete">Whether this is the whole clip.</param>
public sealed record PhonemePrefix(IReadOnlyList<Phone> Phones, int FirstPhone, int PieceCount, double EndSeconds, bool IsComplete);

/// <summary>
/// A decoding under way (<see cref="PhonemeAnalyzer.Start"/>): plain threads take the clip's pieces
/// in order, each with its own recogniser and aligner, and the phones become known as a prefix that
/// grows from the start of the clip. Each piece is decoded whole and on its own (batch
/// normalisation, nothing carried over), so what a piece yields does not depend on the threads, on
/// which thread took it, nor on when anyone looked.
/// </summary>
public sealed class PhonemeDecoding : IDisposable
{
    private readonly object _gate = new();
    private readonly AudioClip _clip;
    private readonly AudioFeatures _features;
    private readonly List<(int Start, int Length)> _pieces;
    private readonly CancellationToken _callerToken;
    private readonly CancellationTokenSource _stop;
    private readonly Thread[] _threads;
    private readonly Stopwatch _clock = Stopwatch.StartNew();
    private readonly PreloadedDecoders? _preloaded;

    // Pieces decoded out of order wait here until the prefix reaches them.
    private readonly (List<DecodedSegment> Phones, List<DecodedSegment> Words)?[] _decoded;
    private readonly List<Phone> _phones = [];
    private readonly List<Word> _words = [];
    // Phones and words in the prefix after each piece, to measure any shorter prefix.
    private readonly List<(int Phones, int Words)> _countsAfter = [];
    private int _prefixPieces;
    private int _next = -1;
    private int _finished;
    private int _running;
    // Threads that go on after the parallel prefix; 0 until the caller says (SetThreadsAfterPrefix).
    private int _threadsAfterPrefix;
    private Exception? _failure;
    private bool _disposed;

    internal PhonemeDecoding(AudioClip clip, AudioFeatures features, List<(int Start, int Length)> pieces, PhonemeAnalysisOptions options,
        CancellationToken ct, Action<int, int>? piecesDone, PreloadedDecoders? preloaded)
    {
        _clip = clip;
        _preloaded = preloaded;
        _features = features;
        _pieces = pieces;
        _callerToken = ct;
        _stop = CancellationTokenSource.CreateLinkedTokenSource(ct);
        // A stop wakes the threads waiting in Take.
        _stop.Token.Register(() => { lock (_gate) Monitor.PulseAll(_gate); });
        _decoded = new (List<DecodedSegment>, List<DecodedSegment>)?[pieces.Count];
        var workers = Math.Clamp(options.DegreeOfParallelism, 1, pieces.Count);
        _threads = new Thread[workers];
        _running = workers;
        ParallelPieces = options.ParallelPrefixVoiceSeconds is double.PositiveInfinity ? pieces.Count : PiecesHoldingPrefix(options);
        for (var w = 0; w < workers; w++)
        {
            var worker = w;
            _threads[w] = new Thread(() => Work(worker, options.ModelDirectory, piecesDone), maxStackSize: 4 << 20) { IsBackground = true, Name = "pocketsphinx" };
        }

        foreach (var thread in _threads)
        {
            thread.Start();
        }
    }

    /// <summary>The number of pieces the clip is cut into.</summary>
    public int PieceCount => _pieces.Count;

    /// <summary>The pieces from the start that every thread decodes; after them, as many threads as <see cref="SetThreadsAfterPrefix"/> says (<see cref="PhonemeAnalysisOptions.ParallelPrefixVoiceSeconds"/>).</summary>
    public int ParallelPieces { get; }

    /// <summary>
    /// How many threads decode the pieces after <see cref="ParallelPieces"/>: every thread waits for
    /// this and then goes on or stops, freeing its recogniser (about 80 MB) for whatever is to run
    /// beside the decoding. None starts a piece past the prefix before: a caller that decides on the
    /// prefix to stop (<c>auto</c> on a voice that is not English) would otherwise wait for that
    /// piece to finish (a piece is decoded whole, up to 15 s of sound).
    /// </summary>
    public void SetThreadsAfterPrefix(int threads)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(threads, 1);
        lock (_gate)
        {
            _threadsAfterPrefix = threads;
            Monitor.PulseAll(_gate);
        }
    }

    /// <summary>Threads that have not stopped yet (each holds its recognisers until it stops).</summary>
    internal int ThreadsDecoding
    {
        get
        {
            lock (_gate) return _running;
        }
    }

    /// <summary>
    /// Waits until at most <paramref name="threads"/> threads still decode, the others having freed
    /// their recognisers (see <see cref="SetThreadsAfterPrefix"/>): a thread told to stop does so once
    /// the prefix's pieces are taken, and only then is its memory free for what runs next.
    /// </summary>
    public void WaitForThreadsAtMost(int threads, CancellationToken ct = default) =>
        Waiting.Until(_gate, () => _running <= threads || _failure is not null, ct);

    /// <summary>
    /// The fewest pieces from the start that hold the parallel prefix (<see cref="PhonemeAnalysisOptions.HoldsPrefix"/>:
    /// its seconds of voice by the activity track, or three times as many of sound), or all of them:
    /// a prefix fixed by the clip alone, so that what is decided on it does not depend on how fast
    /// the decoding went.
    /// </summary>
    private int PiecesHoldingPrefix(PhonemeAnalysisOptions options)
    {
        var firstVoice = PhonemeAnalysisOptions.FirstVoiceSeconds(_features);
        return PiecesUntil(0, (voiceSeconds, last) => options.HoldsPrefix(voiceSeconds, Math.Max(0, EndSecondsOf(last) - firstVoice)));
    }

    /// <summary>
    /// Waits until at least <paramref name="pieces"/> pieces from the start are decoded (or all there
    /// are) and returns the prefix known then, which may hold more, with its phones from index
    /// <paramref name="phonesFrom"/> on: a caller following a long decoding takes only the new ones
    /// each time, not a growing copy of them all. Throws what the decoding threw.
    /// </summary>
    public PhonemePrefix WaitForPrefix(int pieces, int phonesFrom = 0, CancellationToken ct = default)
    {
        pieces = Math.Min(pieces, _pieces.Count);
        Waiting.Until(_gate, () =>
        {
            if (_prefixPieces >= pieces) return true;
            if (_failure is not null) System.Runtime.ExceptionServices.ExceptionDispatchInfo.Capture(_failure).Throw();
            ct.ThrowIfCancellationRequested();
            // Every thread gone and the prefix short: the decoding was stopped.
            if (_running == 0) throw new OperationCanceledException("The phone decoding was stopped.");
            return false;
        }, ct);
        lock (_gate)
        {
            var from = Math.Clamp(phonesFrom, 0, _phones.Count);
            return new PhonemePrefix(_phones.GetRange(from, _phones.Count - from), from, _prefixPieces, EndSecondsOf(_prefixPieces - 1), _prefixPieces == _pieces.Count);
        }
    }

    /// <summary>How well English explains the first <paramref name="pieces"/> pieces (which must be decoded: see <see cref="WaitForPrefix"/>).</summary>
    public PhonemeConfidence ConfidenceOf(int pieces)
    {
        lock (_gate)
        {
            if (pieces < 1 || pieces > _prefixPieces) throw new ArgumentOutOfRangeException(nameof(pieces), "Those pieces are not decoded yet.");
            var (phones, words) = _countsAfter[pieces - 1];
            return PhonemeConfidence.Measure(_phones.GetRange(0, phones), _words.GetRange(0, words), _features, EndSecondsOf(pieces - 1));
        }
    }

    /// <summary>How well English explains the pieces after the first <paramref name="fromPieces"/> up to the first <paramref name="pieces"/> (all decoded).</summary>
    public PhonemeConfidence ConfidenceOf(int fromPieces, int pieces)
    {
        lock (_gate)
        {
            if (fromPieces < 0 || fromPieces >= pieces || pieces > _prefixPieces) throw new ArgumentOutOfRangeException(nameof(pieces), "Those pieces are not decoded yet.");
            var (phonesBefore, wordsBefore) = fromPieces == 0 ? (0, 0) : _countsAfter[fromPieces - 1];
            var (phones, words) = _countsAfter[pieces - 1];
            return PhonemeConfidence.Measure(_phones.GetRange(phonesBefore, phones - phonesBefore), _words.GetRange(wordsBefore, words - wordsBefore), _features,
                EndSecondsOf(pieces - 1), EndSecondsOf(fromPieces - 1));
        }
    }

    /// <summary>The fewest pieces from the start whose pieces after the first <paramref name="pieces"/> hold <paramref name="voiceSeconds"/> of voice by the activity track, or all of them.</summary>
    public int PiecesHoldingVoiceAfter(int pieces, double voiceSeconds) =>
        PiecesUntil(pieces, (voiced, _) => voiced >= voiceSeconds);

    /// <summary>
    /// The fewest pieces from the start that take in pieces from <paramref name="from"/> on until
    /// <paramref name="enough"/> holds for the seconds of voice in those (by the activity track) and the
    /// last piece taken; all of them if it never does.
    /// </summary>
    private int PiecesUntil(int from, Func<double, int, bool> enough)
    {
        var voiced = 0;
        for (var p = from; p < _pieces.Count; p++)
        {
            voiced += VoiceFramesOf(p);
            if (enough(voiced / _features.FrameRateHz, p)) return p + 1;
        }

        return _pieces.Count;
    }

    /// <summary>Waits for the whole clip and returns its phones, words and confidence.</summary>
    public PhonemeTrack Complete()
    {
        Join();
        _callerToken.ThrowIfCancellationRequested();
        if (_failure is not null) System.Runtime.ExceptionServices.ExceptionDispatchInfo.Capture(_failure).Throw();
        if (_prefixPieces < _pieces.Count) throw new OperationCanceledException("The phone decoding was stopped.");
        var confidence = PhonemeConfidence.Measure(_phones, _words, _features);
        return new PhonemeTrack(_phones.ToArray(), _words.ToArray(), confidence, _clock.Elapsed.TotalSeconds);
    }

    /// <summary>Stops the decoding after the pieces under way and frees the recognisers.</summary>
    public void Dispose()
    {
        if (_disposed) return;
        _disposed = true;
        _stop.Cancel();
        Join();
        _stop.Dispose();
    }

    private void Join()
    {
        // Threads still waiting to be told whether to go on: all of them, since nothing else runs.
        lock (_gate)
        {
            if (_threadsAfterPrefix == 0) _threadsAfterPrefix = _threads.Length;
            Monitor.PulseAll(_gate);
        }

        foreach (var thread in _threads)
        {
            thread.Join();
        }
    }

    private void Work(int worker, string modelDirectory, Action<int, int>? piecesDone)
    {
        PocketSphinxDecoder? recognizer = null;
        PocketSphinxDecoder? aligner = null;
        // One 16-bit buffer per thread, reused for every piece: a new one per piece would leave the
        // large-object heap a few hundred kilobytes of garbage each time.
        var pcm = Array.Empty<short>();
        var toTheEnd = false;
        try
        {
            int i;
            while ((i = Take(worker)) >= 0)
            {
                // A piece without a frame of voice is silence as it stands: nothing to decode (a long
                // silence is cut into such pieces, and they would hold the first frame back).
                if (VoiceFramesOf(i) == 0)
                {
                    Publish(i, ([], []));
                    piecesDone?.Invoke(Interlocked.Increment(ref _finished), _pieces.Count);
                    continue;
                }

                if (recognizer is null || aligner is null)
                {
                    (recognizer, aligner) = _preloaded?.Take() ?? PreloadedDecoders.Load(modelDirectory);
                }

                var length = _pieces[i].Length;
                if (pcm.Length < length) pcm = new short[length];
                _clip.Read(_pieces[i].Start, pcm.AsSpan(0, length));
                // A noisy piece is filtered first: the recogniser's own noise removal does not keep it from a word salad.
                NoiseReduction.Apply(pcm, length);
                var piece = PhonemeAnalyzer.DecodePiece(pcm.AsSpan(0, length), recognizer, aligner);
                // A piece's search leaves its memory free but held by glibc: give it back, so that a
                // long voice does not grow the process piece by piece.
                PocketSphinxDecoder.ReleaseFreeNativeMemory();
                Publish(i, piece);
                piecesDone?.Invoke(Interlocked.Increment(ref _finished), _pieces.Count);
            }

            toTheEnd = i == NoneLeft;
        }
        catch (Exception e)
        {
            lock (_gate)
            {
                _failure ??= e;
                _stop.Cancel();
            }
        }
        finally
        {
            // A thread that decoded to the end of the clip gives its recogniser back for the next clip
            // to take (a long voice's next chapter: 0.2 s of CPU a load); one that stops before gives
            // its share of the heap back at once (one that stops after the parallel prefix, before the
            // others), so that what follows does not grow on top of it.
            if (toTheEnd && _preloaded is not null && recognizer is not null && aligner is not null)
            {
                _preloaded.Return(recognizer, aligner);
            }
            else
            {
                recognizer?.Dispose();
                aligner?.Dispose();
            }

            PocketSphinxDecoder.ReleaseFreeNativeMemory();
            lock (_gate)
            {
                _running--;
                Monitor.PulseAll(_gate);
            }
        }
    }

    /// <summary>The next piece for <paramref name="worker"/> to decode; <see cref="NoneLeft"/>; or <see cref="NotThisThreads"/>: the decoding stopped, or the piece is not this thread's after the parallel prefix.</summary>
    private int Take(int worker)
    {
        lock (_gate)
        {
            while (_next + 1 >= ParallelPieces && _threadsAfterPrefix == 0 && !_stop.IsCancellationRequested)
            {
                Monitor.Wait(_gate);
            }

            if (_stop.IsCancellationRequested) return NotThisThreads;
            if (_next + 1 >= _pieces.Count) return NoneLeft;
            if (_next + 1 >= ParallelPieces && worker >= _threadsAfterPrefix) return NotThisThreads;
            return ++_next;
        }
    }

    private const int NoneLeft = -1;
    private const int NotThisThreads = -2;

    /// <summary>Files a decoded piece and extends the prefix over every piece now contiguous with it.</summary>
    private void Publish(int index, (List<DecodedSegment> Phones, List<DecodedSegment> Words) piece)
    {
        lock (_gate)
        {
            _decoded[index] = piece;
            while (_prefixPieces < _pieces.Count && _decoded[_prefixPieces] is { } next)
            {
                _decoded[_prefixPieces] = null;
                Append(_prefixPieces, next.Phones, next.Words);
                _countsAfter.Add((_phones.Count, _words.Count));
                _prefixPieces++;
            }

            Monitor.PulseAll(_gate);
        }
    }

    /// <summary>A piece's segments as phones and words on the clip's time line.</summary>
    private void Append(int p, List<DecodedSegment> segments, List<DecodedSegment> words)
    {
        var offset = (double)_pieces[p].Start / _clip.SampleRateHz;
        var pieceEnd = EndSecondsOf(p);
        for (var s = 0; s < segments.Count; s++)
        {
            var seg = segments[s];
            var start = offset + ((double)seg.StartFrame / PocketSphinxDecoder.FrameRateHz);
            // Phones tile the piece: each ends where the next begins, the last at the piece's end.
            var end = s + 1 < segments.Count
                ? offset + ((double)segments[s + 1].StartFrame / PocketSphinxDecoder.FrameRateHz)
                : pieceEnd;
            _phones.Add(new Phone(seg.Label, start, Math.Max(start, end), (float)seg.AcousticScore / Math.Max(1, seg.FrameCount)));
        }

        if (segments.Count == 0)
        {
            _phones.Add(new Phone("SIL", offset, pieceEnd, 0));
        }

        foreach (var w in words)
        {
            var text = w.Label.Contains('(') ? w.Label[..w.Label.IndexOf('(')] : w.Label;
            _words.Add(new Word(text, offset + ((double)w.StartFrame / PocketSphinxDecoder.FrameRateHz),
                offset + ((double)(w.EndFrame + 1) / PocketSphinxDecoder.FrameRateHz), (float)w.AcousticScore / Math.Max(1, w.FrameCount), w.LanguageScore));
        }
    }

    /// <summary>The frames of voice (by the activity track) whose time lies in piece <paramref name="piece"/>.</summary>
    private int VoiceFramesOf(int piece)
    {
        var start = EndSecondsOf(piece - 1);
        var end = EndSecondsOf(piece);
        var count = 0;
        for (var f = Math.Max(0, (int)Math.Floor(start * _features.FrameRateHz)); f < _features.FrameCount && _features.TimeOf(f) < end; f++)
        {
            if (_features.TimeOf(f) >= start && _features.IsSpeech(f)) count++;
        }

        return count;
    }

    private double EndSecondsOf(int piece) =>
        piece < 0 ? 0 : (double)(_pieces[piece].Start + _pieces[piece].Length) / _clip.SampleRateHz;
}
