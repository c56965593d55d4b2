using System.Globalization;
using System.Runtime.InteropServices;

namespace Parla.Audio.Phonemes;

/// <summary>One segment of a decoder's best path: a phone (all-phone search) or a word (grammar search), in 10 ms frames.</summary>
/// <param name="Label">The phone or word as pocketsphinx names it ("SIL", "AH", "dashwood(2)", "&lt;sil&gt;").</param>
/// <param name="StartFrame">First frame, inclusive.</param>
/// <param name="EndFrame">Last frame, inclusive.</param>
/// <param name="AcousticScore">Acoustic log-likelihood of the segment in the decoder's integer log base (larger is better).</param>
/// <param name="LanguageScore">Language-model (or grammar) log-probability of the segment, same units.</param>
internal readonly record struct DecodedSegment(string Label, int StartFrame, int EndFrame, int AcousticScore, int LanguageScore)
{
    public int FrameCount => EndFrame - StartFrame + 1;
}

/// <summary>
/// One pocketsphinx decoder, in process (libpocketsphinx3 through P/Invoke): the acoustic model is
/// loaded once, then any number of utterances are decoded. Not thread-safe: use one per thread.
/// Fed in blocks, a decoder adapts its live cepstral normalisation from one utterance to the next,
/// so a result depends on what the decoder heard before; decoded with <c>wholeUtterance</c>, an
/// utterance is normalised on its own and the noise estimate restarts, so one decoder can be reused
/// (creating a recogniser costs about 0.25 s of CPU and ~100 MB).
/// </summary>
internal sealed class PocketSphinxDecoder : IDisposable
{
    /// <summary>Frames per second of the decoder's features (its -frate).</summary>
    public const int FrameRateHz = 100;

    /// <summary>The sample rate the en-us acoustic model was trained on.</summary>
    public const int SampleRateHz = 16000;

    private const int BlockSamples = 2048;

    private static readonly Lock LogLock = new();
    private static bool _logSilenced;

    private readonly HashSet<string> _phoneWords = new(StringComparer.Ordinal);
    private nint _decoder;

    private PocketSphinxDecoder(nint decoder) => _decoder = decoder;

    /// <summary>Debian's en-us model folder (package pocketsphinx-en-us).</summary>
    public const string DefaultModelDirectory = "/usr/share/pocketsphinx/model/en-us";

    /// <summary>
    /// A word recogniser: the en-us acoustic model, the general English trigram model and CMUdict,
    /// default beams, at most 3000 active HMMs a frame. Measured before that limit on the LibriVox clips (one core): about 0.25 s of CPU per second of
    /// audio plus 0.4 s to load — no slower than the all-phone decoder at usable beams (1e-10: 0.35 s
    /// per second plus 1.1 s to load), and its phones are far better, because words constrain them:
    /// the all-phone decoder heard "much" as W AH CH and "mister" as N AH S T ER (a third of the
    /// word-initial p, b, m lost), the recogniser gets "much" and "mr".
    /// </summary>
    public static PocketSphinxDecoder CreateWordRecognizer(string modelDirectory = DefaultModelDirectory) =>
        CreateWordRecognizer(modelDirectory, languageModelWordsOnly: true);

    /// <summary>As <see cref="CreateWordRecognizer(string)"/>; with <paramref name="languageModelWordsOnly"/> false, with the whole of CMUdict (for comparison).</summary>
    /// <remarks>
    /// With <paramref name="senoneLogDirectory"/> the recogniser scores every senone itself and writes the
    /// scores there, one file per utterance (-compallsen, -senlogdir): the reference <see cref="SenoneScorer"/> is tested against.
    /// </remarks>
    internal static PocketSphinxDecoder CreateWordRecognizer(string modelDirectory, bool languageModelWordsOnly, string? senoneLogDirectory = null)
    {
        var hmm = RequireModel(modelDirectory, "en-us");
        var lm = RequireModel(modelDirectory, "en-us.lm.bin");
        var dict = RequireModel(modelDirectory, "cmudict-en-us.dict");
        if (languageModelWordsOnly) dict = RecognizerDictionary.For(dict, lm);
        // At most 3000 active HMMs a frame (default 30000): the search's cost falls by half on the
        // 60 s read, the lip-sync evaluation is unchanged (16/18, 23/23).
        // The recogniser only names the words; each phone's time comes from the aligner that follows
        // (PhonemeAnalyzer.DecodePiece), so its own word boundaries need not be refined: one pass
        // (no flat-lexicon pass, no lattice best path), the 3 best Gaussians of a frame instead of 4 and
        // a narrower word-exit beam. On the 60-s read: 8.7 → 5.9 s of CPU, 53 → 50 word errors; on the
        // LibriVox clips the visemes right per 10 ms of speech 87.4 → 91.2 %, the p/b/m frames 89.2 →
        // 85.5 % (one word of 0870), bilabial onsets shut in the strict evaluation 16/18 either way,
        // and in the rendered read by the yardstick 18/18 either way (VisemeAgreementTests, LipSyncTests).
        // Then narrower phone beams (-pbeam 1e-40, -lpbeam 1e-30 for the words' last phones; defaults
        // 1e-48 and 1e-40) and at most 2000 active HMMs: 5.8 → 4.2 s of CPU per minute of the read
        // (pocketsphinx alone, medians of 3), visemes right 91.2 → 90.9 %, p/b/m frames 159 → 158 of
        // 186, the strict evaluation 16/18 and 22/23 as before, the yardstick 43/43 on the 60-s read.
        // The phone-loop lookahead at its default (-pl_window 5): it prunes word entries, a tenth of the
        // search's time. pocketsphinx 5prealpha reads a frame of a score stream again wrongly when the
        // main search lags the lookahead; the stream Parla hands it makes up for that (ScoredFrames).
        return Create(["-hmm", hmm, "-lm", lm, "-dict", dict, "-maxhmmpf", "2000", "-pbeam", "1e-40", "-lpbeam", "1e-30",
            "-fwdflat", "no", "-bestpath", "no", "-topn", "3", "-wbeam", "1e-20",
            // A log of every senone's score, each frame once: without the lookahead, whose search scores frames again.
            .. (senoneLogDirectory is null ? (string[])[] : ["-compallsen", "yes", "-senlogdir", senoneLogDirectory, "-pl_window", "0"])], hmm);
    }

    /// <summary>
    /// A phone aligner for <see cref="UsePhoneAlignment"/>: the en-us acoustic model with an empty
    /// dictionary (no CMUdict, no language model), so it loads in a few milliseconds and holds little
    /// memory; the one-phone words are added as alignments need them. With <paramref name="wideBeams"/>
    /// (1e-120 instead of 1e-48) an alignment also survives a voice that matches the acoustic model
    /// poorly (espeak-ng's English loses the path at the default beams), for a reference alignment.
    /// The default one decodes from a <see cref="SenoneScorer"/>'s scores, so it runs without the
    /// phone-loop lookahead as the recogniser does; the wide-beam one decodes samples itself.
    /// </summary>
    public static PocketSphinxDecoder CreatePhoneAligner(string modelDirectory = DefaultModelDirectory, bool wideBeams = false)
    {
        var hmm = RequireModel(modelDirectory, "en-us");
        return wideBeams ? Create(["-hmm", hmm, "-beam", "1e-120", "-pbeam", "1e-120", "-wbeam", "1e-100"]) : Create(["-hmm", hmm, "-pl_window", "0"], hmm);
    }

    /// <summary>A forced-alignment decoder: a JSGF grammar that accepts exactly <paramref name="words"/> in order, optional pauses between them.</summary>
    public static PocketSphinxDecoder CreateWordAligner(IReadOnlyList<string> words, string grammarPath, string modelDirectory = DefaultModelDirectory)
    {
        var hmm = RequireModel(modelDirectory, "en-us");
        var dict = RequireModel(modelDirectory, "cmudict-en-us.dict");
        File.WriteAllText(grammarPath, "#JSGF V1.0;\ngrammar s;\npublic <s> = " + string.Join(' ', words) + ";\n");
        return Create(["-hmm", hmm, "-dict", dict, "-jsgf", grammarPath, "-bestpath", "no"]);
    }

    /// <summary>
    /// Switches this decoder to a forced alignment of the given phones (ARPAbet, in order, optional
    /// pauses between them): each phone becomes a one-phone word "ph_xx" in a one-sentence grammar.
    /// The next <see cref="Decode"/> then returns the phones with their times.
    /// </summary>
    public void UsePhoneAlignment(IReadOnlyList<string> phones)
    {
        ObjectDisposedException.ThrowIf(_decoder == 0, this);
        // The grammar is a chain of states, one transition a phone (the search adds the optional
        // pauses at every state), handed over as a finite-state grammar: the JSGF parser of this
        // pocketsphinx keeps each parsed grammar (about 12 KB for two dozen phones), which grew the
        // process by about 25 MB an hour of voice, one grammar a piece.
        var grammar = new System.Text.StringBuilder("FSG_BEGIN phones\n")
            .Append(System.Globalization.CultureInfo.InvariantCulture, $"NUM_STATES {phones.Count + 1}\nSTART_STATE 0\nFINAL_STATE {phones.Count}\n");
        for (var i = 0; i < phones.Count; i++)
        {
            var token = "ph_" + phones[i].ToLowerInvariant();
            // A word can be added to a decoder once; a reused decoder keeps the ones it has.
            if (_phoneWords.Add(token) && PocketSphinxNative.AddWord(_decoder, token, phones[i], 0) < 0)
            {
                throw new ToolException($"pocketsphinx does not know the phone {phones[i]}.");
            }

            grammar.Append(System.Globalization.CultureInfo.InvariantCulture, $"TRANSITION {i} {i + 1} 1.0 {token}\n");
        }

        grammar.Append("FSG_END\n");
        var fsg = ReadFsg(System.Text.Encoding.ASCII.GetBytes(grammar.ToString()));
        try
        {
            Check(PocketSphinxNative.SetFsg(_decoder, "phones", fsg), "ps_set_fsg");
        }
        finally
        {
            // The search holds its own reference.
            PocketSphinxNative.FreeFsg(fsg);
        }

        Check(PocketSphinxNative.SetSearch(_decoder, "phones"), "ps_set_search");
    }

    /// <summary>
    /// The language weight a grammar's log probabilities are scaled by: pocketsphinx's default
    /// <c>-lw</c>, which a JSGF grammar took from the aligner's configuration (it sets none). It scales
    /// the pauses the search adds between phones; the phones' own transitions are certain.
    /// </summary>
    private const float GrammarLanguageWeight = 6.5f;

    /// <summary>A finite-state grammar from its text form, read through a C stream over the bytes.</summary>
    private unsafe nint ReadFsg(byte[] text)
    {
        fixed (byte* bytes = text)
        {
            var file = PocketSphinxNative.OpenMemory(bytes, (nuint)text.Length, "r");
            if (file == 0) throw new ToolException("could not read the phone grammar (fmemopen failed).", missing: false);
            try
            {
                var fsg = PocketSphinxNative.ReadFsg(file, PocketSphinxNative.GetLogMath(_decoder), GrammarLanguageWeight);
                return fsg != 0 ? fsg : throw new ToolException("pocketsphinx could not read the phone grammar.");
            }
            finally
            {
                PocketSphinxNative.CloseFile(file);
            }
        }
    }

    /// <summary>The pronunciation of a word of this decoder's dictionary ("read(2)" for a variant), ARPAbet phones; null if it has none.</summary>
    public string[]? Pronunciation(string word)
    {
        ObjectDisposedException.ThrowIf(_decoder == 0, this);
        var phones = PocketSphinxNative.LookupWord(_decoder, word);
        if (phones == 0)
        {
            return null;
        }

        try
        {
            return (Marshal.PtrToStringUTF8(phones) ?? "").Split(' ', StringSplitOptions.RemoveEmptyEntries);
        }
        finally
        {
            PocketSphinxNative.FreeMemory(phones);
        }
    }

    /// <summary>
    /// Decodes one utterance of 16 kHz samples; the segments of the best path, in order. With
    /// <paramref name="wholeUtterance"/> the samples go to the decoder in one call, and the cepstral
    /// mean is the utterance's own (batch normalisation): nothing carries over from earlier
    /// utterances, so a decoder can be reused and the result does not depend on what it heard before.
    /// Otherwise they go in blocks, as pocketsphinx's own programs feed it (live normalisation, which
    /// adapts from one utterance to the next).
    /// </summary>
    public List<DecodedSegment> Decode(ReadOnlySpan<short> samples, bool wholeUtterance = false)
    {
        ObjectDisposedException.ThrowIf(_decoder == 0, this);
        var segments = new List<DecodedSegment>();
        if (samples.Length < SampleRateHz / 10)
        {
            return segments; // shorter than the feature window and its deltas need
        }

        if (wholeUtterance)
        {
            // The front end's noise estimate carries over between utterances of one stream.
            Check(PocketSphinxNative.StartStream(_decoder), "ps_start_stream");
        }

        Check(PocketSphinxNative.StartUtterance(_decoder), "ps_start_utt");
        unsafe
        {
            fixed (short* data = samples)
            {
                if (wholeUtterance && PocketSphinxNative.ProcessRaw(_decoder, data, (nuint)samples.Length, 0, 1) < 0)
                {
                    PocketSphinxNative.EndUtterance(_decoder);
                    throw new ToolException("pocketsphinx could not process the audio (ps_process_raw failed).", missing: false);
                }

                // In blocks, as pocketsphinx's own programs feed it (live normalisation; handing over
                // the whole utterance switches to batch normalisation, with which narrow all-phone
                // beams were seen to lose the search).
                for (var start = 0; !wholeUtterance && start < samples.Length; start += BlockSamples)
                {
                    var count = Math.Min(BlockSamples, samples.Length - start);
                    if (PocketSphinxNative.ProcessRaw(_decoder, data + start, (nuint)count, 0, 0) < 0)
                    {
                        PocketSphinxNative.EndUtterance(_decoder);
                        throw new ToolException("pocketsphinx could not process the audio (ps_process_raw failed).", missing: false);
                    }
                }
            }
        }

        Check(PocketSphinxNative.EndUtterance(_decoder), "ps_end_utt");
        return BestPath(segments);
    }

    /// <summary>
    /// The features pocketsphinx computes from one whole utterance (as <see cref="Decode"/> with
    /// wholeUtterance: a fresh stream, batch normalisation), from this decoder's own front end:
    /// frames × <see cref="SenoneScorer.FeatureLength"/> values. Null for samples too short to decode.
    /// </summary>
    internal float[]? Features(ReadOnlySpan<short> samples, out int frameCount)
    {
        ObjectDisposedException.ThrowIf(_decoder == 0, this);
        frameCount = 0;
        if (samples.Length < SampleRateHz / 10)
        {
            return null;
        }

        var fe = PocketSphinxNative.FrontEnd(_decoder);
        var fcb = PocketSphinxNative.FeatureComputer(_decoder);
        var width = PocketSphinxNative.FrontEndOutputSize(fe);
        unsafe
        {
            fixed (short* data = samples)
            {
                var remaining = (nuint)samples.Length;
                int frames;
                PocketSphinxNative.FrontEndProcessFrames(fe, null, &remaining, null, &frames, null);
                // One row more for what the end of the utterance flushes (acmod_process_full_raw).
                var cepstra = new float[(frames + 1) * width];
                var rows = new nint[frames + 1];
                fixed (float* cep = cepstra)
                fixed (nint* rowPointers = rows)
                {
                    for (var i = 0; i <= frames; i++)
                    {
                        rows[i] = (nint)(cep + (i * width));
                    }

                    PocketSphinxNative.FrontEndStartStream(fe);
                    PocketSphinxNative.FrontEndStartUtterance(fe);
                    var pointer = data;
                    remaining = (nuint)samples.Length;
                    if (PocketSphinxNative.FrontEndProcessFrames(fe, &pointer, &remaining, (float**)rowPointers, &frames, null) < 0)
                    {
                        throw new ToolException("pocketsphinx could not process the audio (fe_process_frames failed).", missing: false);
                    }

                    int tail;
                    PocketSphinxNative.FrontEndEndUtterance(fe, (float*)rows[frames], &tail);
                    frames += tail;
                    var features = PocketSphinxNative.FeatureArrayAlloc(fcb, frames);
                    try
                    {
                        var count = PocketSphinxNative.CepstraToFeatures(fcb, (float**)rowPointers, &frames, 1, 1, features);
                        // feat_array_alloc's rows point into one block: [frame][stream] → values.
                        var block = **(float***)features;
                        frameCount = count;
                        var totalWidth = FeatureWidth(features, count);
                        var result = new float[count * totalWidth];
                        new ReadOnlySpan<float>(block, result.Length).CopyTo(result);
                        return result;
                    }
                    finally
                    {
                        PocketSphinxNative.FeatureArrayFree(features);
                    }
                }
            }
        }
    }

    /// <summary>Values per frame of a feature array: the distance between two frames' first streams (one frame: 39, en-us).</summary>
    private static unsafe int FeatureWidth(nint features, int frames) =>
        frames > 1 ? (int)(((float***)features)[1][0] - ((float***)features)[0][0]) : 39;

    /// <summary>Decodes one utterance from the senone scores of <paramref name="frames"/>, mixing <paramref name="gaussians"/> Gaussians a senone (this decoder's -topn); the best path's segments.</summary>
    internal List<DecodedSegment> DecodeScores(ScoredFrames frames, int gaussians)
    {
        ObjectDisposedException.ThrowIf(_decoder == 0, this);
        using (var stream = frames.Open(gaussians))
        {
            if (PocketSphinxNative.DecodeSenoneScores(_decoder, stream.File) < 0)
            {
                throw new ToolException("pocketsphinx could not decode the senone scores (ps_decode_senscr failed).", missing: false);
            }
        }

        return BestPath([]);
    }

    private List<DecodedSegment> BestPath(List<DecodedSegment> segments)
    {
        // Some searches (the grammar search) number frames from the first utterance the decoder ever
        // heard; the best path always starts at this utterance's first frame, so count from there.
        var origin = -1;
        for (var seg = PocketSphinxNative.SegmentIterator(_decoder); seg != 0; seg = PocketSphinxNative.NextSegment(seg))
        {
            var label = Marshal.PtrToStringUTF8(PocketSphinxNative.SegmentWord(seg)) ?? "";
            PocketSphinxNative.SegmentFrames(seg, out var start, out var end);
            PocketSphinxNative.SegmentProbability(seg, out var ascr, out var lscr, out _);
            origin = origin < 0 ? start : origin;
            segments.Add(new DecodedSegment(label, start - origin, end - origin, ascr, lscr));
        }

        return segments;
    }

    /// <summary>Returns the native heap's free memory to the system (glibc); nothing elsewhere.</summary>
    public static void ReleaseFreeNativeMemory()
    {
        if (!OperatingSystem.IsLinux())
        {
            return;
        }

        try
        {
            PocketSphinxNative.MallocTrim(0);
        }
        catch (Exception e) when (e is DllNotFoundException or EntryPointNotFoundException)
        {
            // Not glibc (musl): nothing to trim.
        }
    }

    public void Dispose()
    {
        if (_decoder != 0)
        {
            PocketSphinxNative.Free(_decoder);
            _decoder = 0;
        }
    }

    /// <summary>
    /// The acoustic model's folder, for decoders that take their senone scores from a
    /// <see cref="SenoneScorer"/> (<see cref="DecodeScores"/>); null for those that score their own.
    /// </summary>
    internal string? ScoredModelDirectory { get; private init; }

    private static PocketSphinxDecoder Create(string[] arguments, string? scoredModelDirectory = null)
    {
        string[] common = ["-samprate", SampleRateHz.ToString(CultureInfo.InvariantCulture), "-remove_silence", "no", "-dither", "no", "-cmn", "batch"];
        var all = arguments.Concat(common).ToArray();
        SilenceLogging();
        var argv = new nint[all.Length];
        try
        {
            for (var i = 0; i < all.Length; i++)
            {
                argv[i] = Marshal.StringToCoTaskMemUTF8(all[i]);
            }

            nint config;
            unsafe
            {
                fixed (nint* p = argv)
                {
                    config = PocketSphinxNative.ParseConfig(0, PocketSphinxNative.Args(), all.Length, (nint)p, 1);
                }
            }

            if (config == 0)
            {
                throw new ToolException("pocketsphinx rejected its configuration: " + string.Join(' ', all));
            }

            // ps_init takes its own reference to the configuration; ours is released either way.
            var decoder = PocketSphinxNative.Init(config);
            PocketSphinxNative.FreeConfig(config);
            if (decoder == 0)
            {
                throw new ToolException("pocketsphinx could not load the en-us model (" + string.Join(' ', all) + "); reinstall it with 'sudo apt-get install --reinstall pocketsphinx-en-us'.");
            }

            return new PocketSphinxDecoder(decoder) { ScoredModelDirectory = scoredModelDirectory };
        }
        finally
        {
            foreach (var p in argv)
            {
                if (p != 0)
                {
                    Marshal.FreeCoTaskMem(p);
                }
            }
        }
    }

    /// <summary>
    /// Sends sphinxbase's and pocketsphinx's log nowhere (they write INFO lines to stderr by default),
    /// once per process, before anything of theirs runs.
    /// </summary>
    internal static void SilenceLogging()
    {
        lock (LogLock)
        {
            if (_logSilenced)
            {
                return;
            }

            try
            {
                PocketSphinxNative.SetLogFile(0);
            }
            catch (Exception e) when (e is DllNotFoundException or EntryPointNotFoundException)
            {
                throw Missing(e);
            }

            _logSilenced = true;
        }
    }

    private static string RequireModel(string directory, string name)
    {
        var path = Path.Combine(directory, name);
        if (!File.Exists(path) && !Directory.Exists(path))
        {
            throw new ToolException($"The pocketsphinx English model is missing ({path}). Install it with 'sudo apt-get install pocketsphinx-en-us libpocketsphinx3' (or run './parla demo' as root), or use --language none.");
        }

        return path;
    }

    private static ToolException Missing(Exception e) => new(
        "libpocketsphinx3 (English phoneme timing) could not be loaded. Install it with 'sudo apt-get install libpocketsphinx3 pocketsphinx-en-us' (or run './parla demo' as root), or use --language none.",
        e.Message, e);

    private static void Check(int status, string function)
    {
        if (status < 0)
        {
            throw new ToolException($"pocketsphinx failed ({function} returned {status.ToString(CultureInfo.InvariantCulture)}).", missing: false);
        }
    }
}
