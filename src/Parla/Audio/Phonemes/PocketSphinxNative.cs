using System.Runtime.InteropServices;

namespace Parla.Audio.Phonemes;

/// <summary>
/// The few functions of Debian's libpocketsphinx3 (0.8+5prealpha) and libsphinxbase3 that the
/// phoneme decoder needs. Signatures follow pocketsphinx.h and cmd_ln.h of that version; only
/// <see cref="PocketSphinxDecoder"/> calls them.
/// </summary>
internal static partial class PocketSphinxNative
{
    public const string PocketSphinx = "libpocketsphinx.so.3";
    public const string SphinxBase = "libsphinxbase.so.3";

    [LibraryImport(PocketSphinx, EntryPoint = "ps_args")]
    public static partial nint Args();

    /// <summary>cmd_ln_parse_r(NULL, defn, argc, argv, strict): a new configuration, or 0 on a bad argument.</summary>
    [LibraryImport(SphinxBase, EntryPoint = "cmd_ln_parse_r")]
    public static partial nint ParseConfig(nint inout, nint definitions, int argc, nint argv, int strict);

    [LibraryImport(SphinxBase, EntryPoint = "cmd_ln_free_r")]
    public static partial int FreeConfig(nint config);

    /// <summary>err_set_logfp(NULL) silences the libraries' logging to stderr (process-wide).</summary>
    [LibraryImport(SphinxBase, EntryPoint = "err_set_logfp")]
    public static partial void SetLogFile(nint file);

    /// <summary>ps_init: a decoder that keeps its own reference to the configuration; 0 on failure (a missing model file).</summary>
    [LibraryImport(PocketSphinx, EntryPoint = "ps_init")]
    public static partial nint Init(nint config);

    [LibraryImport(PocketSphinx, EntryPoint = "ps_free")]
    public static partial int Free(nint decoder);

    /// <summary>ps_add_word(ps, word, phones, update): adds a pronunciation; returns the word id or a negative value.</summary>
    [LibraryImport(PocketSphinx, EntryPoint = "ps_add_word", StringMarshalling = StringMarshalling.Utf8)]
    public static partial int AddWord(nint decoder, string word, string phones, int update);

    /// <summary>ps_set_fsg(ps, name, fsg): adds (or replaces) a finite-state grammar search, keeping its own reference to the grammar; 0 on success.</summary>
    [LibraryImport(PocketSphinx, EntryPoint = "ps_set_fsg", StringMarshalling = StringMarshalling.Utf8)]
    public static partial int SetFsg(nint decoder, string name, nint fsg);

    /// <summary>ps_get_logmath(ps): the decoder's log tables (borrowed).</summary>
    [LibraryImport(PocketSphinx, EntryPoint = "ps_get_logmath")]
    public static partial nint GetLogMath(nint decoder);

    /// <summary>fsg_model_read(file, lmath, lw): a finite-state grammar read from its text form, or 0 if it is not one.</summary>
    [LibraryImport(SphinxBase, EntryPoint = "fsg_model_read")]
    public static partial nint ReadFsg(nint file, nint logMath, float languageWeight);

    /// <summary>fsg_model_free: drops a reference to a grammar.</summary>
    [LibraryImport(SphinxBase, EntryPoint = "fsg_model_free")]
    public static partial int FreeFsg(nint fsg);

    /// <summary>ps_set_search(ps, name): makes a search the active one; 0 on success.</summary>
    [LibraryImport(PocketSphinx, EntryPoint = "ps_set_search", StringMarshalling = StringMarshalling.Utf8)]
    public static partial int SetSearch(nint decoder, string name);

    /// <summary>ps_start_stream: a new stream; resets what the front end keeps across utterances (its noise estimate, the frame count).</summary>
    [LibraryImport(PocketSphinx, EntryPoint = "ps_start_stream")]
    public static partial int StartStream(nint decoder);

    /// <summary>ps_lookup_word(ps, word): the word's phones separated by spaces, allocated for the caller (free with <see cref="FreeMemory"/>), or 0 if the dictionary lacks it.</summary>
    [LibraryImport(PocketSphinx, EntryPoint = "ps_lookup_word", StringMarshalling = StringMarshalling.Utf8)]
    public static partial nint LookupWord(nint decoder, string word);

    /// <summary>ckd_free: frees memory the libraries allocated for the caller.</summary>
    [LibraryImport(SphinxBase, EntryPoint = "ckd_free")]
    public static partial void FreeMemory(nint memory);

    [LibraryImport(PocketSphinx, EntryPoint = "ps_start_utt")]
    public static partial int StartUtterance(nint decoder);

    [LibraryImport(PocketSphinx, EntryPoint = "ps_process_raw")]
    public static unsafe partial int ProcessRaw(nint decoder, short* data, nuint sampleCount, int noSearch, int fullUtterance);

    [LibraryImport(PocketSphinx, EntryPoint = "ps_end_utt")]
    public static partial int EndUtterance(nint decoder);

    [LibraryImport(PocketSphinx, EntryPoint = "ps_get_n_frames")]
    public static partial int FrameCount(nint decoder);

    /// <summary>ps_seg_iter: the best path's first segment, or 0 when there is none; the iterator frees itself at the end.</summary>
    [LibraryImport(PocketSphinx, EntryPoint = "ps_seg_iter")]
    public static partial nint SegmentIterator(nint decoder);

    [LibraryImport(PocketSphinx, EntryPoint = "ps_seg_next")]
    public static partial nint NextSegment(nint segment);

    /// <summary>ps_seg_word: a string owned by the decoder, valid until the next call on it.</summary>
    [LibraryImport(PocketSphinx, EntryPoint = "ps_seg_word")]
    public static partial nint SegmentWord(nint segment);

    [LibraryImport(PocketSphinx, EntryPoint = "ps_seg_frames")]
    public static partial void SegmentFrames(nint segment, out int startFrame, out int endFrame);

    [LibraryImport(PocketSphinx, EntryPoint = "ps_seg_prob")]
    public static partial int SegmentProbability(nint segment, out int acousticScore, out int languageScore, out int languageBackoff);

    [LibraryImport(PocketSphinx, EntryPoint = "ps_seg_free")]
    public static partial void FreeSegment(nint segment);

    /// <summary>
    /// glibc's malloc_trim: hands free heap memory back to the system. The decoders allocate and free
    /// hundreds of megabytes in per-thread arenas that glibc otherwise keeps for the rest of the run.
    /// </summary>
    [LibraryImport(NativeLibraries.LibC, EntryPoint = "malloc_trim")]
    public static partial int MallocTrim(nuint pad);

    [LibraryImport(SphinxBase, EntryPoint = "logmath_init")]
    public static partial nint LogMathInit(double logBase, int shift, int useTable);

    [LibraryImport(SphinxBase, EntryPoint = "logmath_free")]
    public static partial int LogMathFree(nint logMath);

    /// <summary>ngram_model_read(config, path, NGRAM_AUTO = 0, logmath); config may be null.</summary>
    [LibraryImport(SphinxBase, EntryPoint = "ngram_model_read", StringMarshalling = StringMarshalling.Utf8)]
    public static partial nint NgramModelRead(nint config, string path, int fileType, nint logMath);

    [LibraryImport(SphinxBase, EntryPoint = "ngram_model_free")]
    public static partial int NgramModelFree(nint model);

    /// <summary>The model's n-gram counts (uint32 per order; the first is the vocabulary size).</summary>
    [LibraryImport(SphinxBase, EntryPoint = "ngram_model_get_counts")]
    public static partial nint NgramModelGetCounts(nint model);

    [LibraryImport(SphinxBase, EntryPoint = "ngram_word")]
    public static partial nint NgramWord(nint model, int wordId);

    [LibraryImport(SphinxBase, EntryPoint = "logmath_add")]
    public static partial int LogMathAdd(nint logMath, int logX, int logY);

    /// <summary>ps_decode_senscr: decodes one utterance from a stream of senone scores (see <see cref="SenoneScorer"/>); the number of frames searched, or negative on an error.</summary>
    [LibraryImport(PocketSphinx, EntryPoint = "ps_decode_senscr")]
    public static partial int DecodeSenoneScores(nint decoder, nint file);

    /// <summary>ps_get_fe: the decoder's front end (owned by the decoder).</summary>
    [LibraryImport(PocketSphinx, EntryPoint = "ps_get_fe")]
    public static partial nint FrontEnd(nint decoder);

    /// <summary>ps_get_feat: the decoder's dynamic-feature computer (owned by the decoder).</summary>
    [LibraryImport(PocketSphinx, EntryPoint = "ps_get_feat")]
    public static partial nint FeatureComputer(nint decoder);

    [LibraryImport(SphinxBase, EntryPoint = "fe_start_stream")]
    public static partial void FrontEndStartStream(nint frontEnd);

    [LibraryImport(SphinxBase, EntryPoint = "fe_start_utt")]
    public static partial int FrontEndStartUtterance(nint frontEnd);

    [LibraryImport(SphinxBase, EntryPoint = "fe_get_output_size")]
    public static partial int FrontEndOutputSize(nint frontEnd);

    /// <summary>fe_process_frames: cepstra of the samples; with no output buffer, only how many frames they make.</summary>
    [LibraryImport(SphinxBase, EntryPoint = "fe_process_frames")]
    public static unsafe partial int FrontEndProcessFrames(nint frontEnd, short** samples, nuint* sampleCount, float** cepstra, int* frameCount, int* frameIndex);

    [LibraryImport(SphinxBase, EntryPoint = "fe_end_utt")]
    public static unsafe partial int FrontEndEndUtterance(nint frontEnd, float* lastCepstrum, int* frameCount);

    /// <summary>feat_array_alloc: [frame][stream] pointers into one block of frames × all streams' values.</summary>
    [LibraryImport(SphinxBase, EntryPoint = "feat_array_alloc")]
    public static partial nint FeatureArrayAlloc(nint featureComputer, int frameCount);

    [LibraryImport(SphinxBase, EntryPoint = "feat_array_free")]
    public static partial void FeatureArrayFree(nint features);

    /// <summary>feat_s2mfc2feat_live: dynamic features of a whole utterance's cepstra (batch normalisation with begin and end set).</summary>
    [LibraryImport(SphinxBase, EntryPoint = "feat_s2mfc2feat_live")]
    public static unsafe partial int CepstraToFeatures(nint featureComputer, float** cepstra, int* frameCount, int beginUtterance, int endUtterance, nint features);

    /// <summary>glibc's cookie_io_functions_t: the read, write, seek and close callbacks of a <see cref="OpenCookie"/> stream.</summary>
    [StructLayout(LayoutKind.Sequential)]
    public struct CookieFunctions
    {
        public nint Read;
        public nint Write;
        public nint Seek;
        public nint Close;
    }

    /// <summary>fopencookie: a C stream whose reads and seeks call <paramref name="functions"/> with <paramref name="cookie"/>.</summary>
    [LibraryImport(NativeLibraries.LibC, EntryPoint = "fopencookie", StringMarshalling = StringMarshalling.Utf8)]
    public static partial nint OpenCookie(nint cookie, string mode, CookieFunctions functions);

    /// <summary>setvbuf: the stream's buffer and its mode; call before the first read.</summary>
    [LibraryImport(NativeLibraries.LibC, EntryPoint = "setvbuf")]
    public static unsafe partial int SetBuffer(nint file, void* buffer, int mode, nuint size);

    [LibraryImport(NativeLibraries.LibC, EntryPoint = "fclose")]
    public static partial int CloseFile(nint file);

    /// <summary>fmemopen: a C stream over <paramref name="size"/> bytes of memory.</summary>
    [LibraryImport(NativeLibraries.LibC, EntryPoint = "fmemopen", StringMarshalling = StringMarshalling.Utf8)]
    public static unsafe partial nint OpenMemory(void* buffer, nuint size, string mode);
}
