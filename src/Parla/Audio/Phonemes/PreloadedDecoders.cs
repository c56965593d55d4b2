namespace Parla.Audio.Phonemes;

/// <summary>
/// Recognisers and aligners loading in the background, a pair per decoding thread, for a
/// <see cref="PhonemeDecoding"/> to take (<see cref="PhonemeAnalyzer.Start"/>). Loading the models
/// takes about a third of a second, which the first frames would wait for after the voice's
/// features; loaded while the voice is read and analysed, it is out of their way. A decoding that
/// has decoded its clip to the end gives its pairs back, for the next to take (a long voice's next
/// chapter) instead of loading its own. Pairs nobody took are freed on <see cref="Dispose"/>.
/// </summary>
public sealed class PreloadedDecoders : IDisposable
{
    private readonly Task<(PocketSphinxDecoder Recognizer, PocketSphinxDecoder Aligner)>[] _loads;
    private readonly Stack<(PocketSphinxDecoder Recognizer, PocketSphinxDecoder Aligner)> _returned = new();
    private int _taken;
    private bool _disposed;

    private PreloadedDecoders(Task<(PocketSphinxDecoder, PocketSphinxDecoder)>[] loads) => _loads = loads;

    /// <summary>Starts loading <paramref name="count"/> pairs, each on its own thread, from the model in <paramref name="modelDirectory"/>.</summary>
    public static PreloadedDecoders Start(int count, string modelDirectory = PocketSphinxDecoder.DefaultModelDirectory)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(count, 1);
        // Threads of their own: the thread pool would queue them behind the portrait's analysis.
        return new PreloadedDecoders(Enumerable.Range(0, count)
            .Select(_ => Task.Factory.StartNew(() => Load(modelDirectory), CancellationToken.None, TaskCreationOptions.LongRunning, TaskScheduler.Default))
            .ToArray());
    }

    /// <summary>A recogniser and an aligner from <paramref name="modelDirectory"/>.</summary>
    internal static (PocketSphinxDecoder Recognizer, PocketSphinxDecoder Aligner) Load(string modelDirectory)
    {
        var recognizer = PocketSphinxDecoder.CreateWordRecognizer(modelDirectory);
        _ = SenoneScorer.For(recognizer.ScoredModelDirectory!);
        try
        {
            return (recognizer, PocketSphinxDecoder.CreatePhoneAligner(modelDirectory));
        }
        catch
        {
            recognizer.Dispose();
            throw;
        }
    }

    /// <summary>A pair given back, or a loaded one (waiting for its load; throws what the load threw), or null when none is left: the taker owns it.</summary>
    internal (PocketSphinxDecoder Recognizer, PocketSphinxDecoder Aligner)? Take()
    {
        lock (_returned)
        {
            if (_returned.TryPop(out var pair)) return pair;
        }

        var i = Interlocked.Increment(ref _taken) - 1;
        return i < _loads.Length ? _loads[i].GetAwaiter().GetResult() : null;
    }

    /// <summary>
    /// Takes back a pair taken from here, for the next decoding. Decoding a piece restarts its
    /// normalisation and noise estimate, so a pair decodes as a fresh one does. A pair given back after
    /// <see cref="Dispose"/> is freed at once.
    /// </summary>
    internal void Return(PocketSphinxDecoder recognizer, PocketSphinxDecoder aligner)
    {
        lock (_returned)
        {
            if (!_disposed)
            {
                _returned.Push((recognizer, aligner));
                return;
            }
        }

        recognizer.Dispose();
        aligner.Dispose();
    }

    /// <summary>Frees the pairs given back and those nobody took (waiting for their loads).</summary>
    public void Dispose()
    {
        lock (_returned)
        {
            _disposed = true;
            foreach (var (recognizer, aligner) in _returned)
            {
                recognizer.Dispose();
                aligner.Dispose();
            }

            _returned.Clear();
        }

        var first = Interlocked.Exchange(ref _taken, int.MaxValue / 2);
        for (var i = first; i < _loads.Length; i++)
        {
            try
            {
                var (recognizer, aligner) = _loads[i].GetAwaiter().GetResult();
                recognizer.Dispose();
                aligner.Dispose();
            }
            catch (Exception)
            {
                // A load that failed holds nothing; whoever needed it reports the failure.
            }
        }
    }
}
