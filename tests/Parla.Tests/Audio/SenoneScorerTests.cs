using System.Runtime.InteropServices;
using Parla.Audio.Phonemes;
using Parla.Media;

namespace Parla.Tests.Audio;

public sealed class SenoneScorerTests
{
    [Fact]
    public void Scores_AreThoseOfPocketSphinxItself()
    {
        var pcm = AudioDecoder.Decode(AudioTestData.Voice("librivox_0890.wav")).ToPcm16().AsSpan(0, 4 * 16000).ToArray();
        var log = Directory.CreateTempSubdirectory("parla-senones-");
        try
        {
            using (var native = PocketSphinxDecoder.CreateWordRecognizer(PocketSphinxDecoder.DefaultModelDirectory, true, log.FullName))
            {
                native.Decode(pcm, wholeUtterance: true);
            }

            var reference = File.ReadAllBytes(Assert.Single(log.GetFiles()).FullName);
            using var recognizer = PocketSphinxDecoder.CreateWordRecognizer(PocketSphinxDecoder.DefaultModelDirectory);
            var scorer = SenoneScorer.For(recognizer.ScoredModelDirectory!);
            var features = recognizer.Features(pcm, out var frames)!;
            using var scored = scorer.Evaluate(features, frames);
            var stream = scored.ReadAll(3);
            var length = stream.Length;

            var expected = MemoryMarshal.Cast<byte, short>(reference.AsSpan(DataStart(reference))).ToArray();
            var actual = MemoryMarshal.Cast<byte, short>(stream.AsSpan(DataStart(stream), length - DataStart(stream))).ToArray();
            Assert.Equal(399, frames);
            Assert.Equal(frames * (scorer.SenoneCount + 1), actual.Length);
            Assert.Equal(expected.Length, actual.Length);
            // The same to the bit but for a few values (121 of 2.05 million on this clip): presumably where two
            // Gaussians of a codebook tie for a place in its top 3, which pocketsphinx breaks by the previous
            // frame's choice and this scorer by the lower number (not chased further).
            var width = scorer.SenoneCount + 1;
            var differing = Enumerable.Range(0, actual.Length).Where(i => actual[i] != expected[i]).ToList();
            var framesDiffering = differing.Select(i => i / width).Distinct().Count();
            Assert.True(differing.Count <= actual.Length / 2000 && framesDiffering <= frames / 100,
                $"{differing.Count} of {actual.Length} scores differ, in {framesDiffering} of {frames} frames");
            // Not all one value: the frames' best senone is 0, the others spread above it.
            Assert.True(actual.Distinct().Count() > 100);
        }
        finally
        {
            log.Delete(recursive: true);
        }
    }

    [Fact]
    public void SixteenSenonesAtATime_GiveTheScoresOfEight()
    {
        // The AVX-512 path against the AVX2 one where the machine has AVX-512 (this project's machines do);
        // elsewhere both calls take the AVX2 path.
        var pcm = AudioDecoder.Decode(AudioTestData.Voice("librivox_0930.wav")).ToPcm16().AsSpan(0, 3 * 16000).ToArray();
        using var recognizer = PocketSphinxDecoder.CreateWordRecognizer(PocketSphinxDecoder.DefaultModelDirectory);
        var scorer = SenoneScorer.For(recognizer.ScoredModelDirectory!);
        var features = recognizer.Features(pcm, out var frames)!;
        using var scored = scorer.Evaluate(features, frames);
        var senones = new int[scorer.SenoneCount];
        var wide = new short[scorer.SenoneCount + 1];
        var narrow = new short[scorer.SenoneCount + 1];
        var distinct = new HashSet<short>();
        foreach (var gaussians in new[] { 1, 2, 3, 4 })
        {
            for (var t = 0; t < frames; t++)
            {
                scorer.WriteStreamFrame(scored.Codewords(t), scored.Scores(t), gaussians, senones, wide, wideVectors: true);
                scorer.WriteStreamFrame(scored.Codewords(t), scored.Scores(t), gaussians, senones, narrow, wideVectors: false);
                Assert.True(wide.AsSpan().SequenceEqual(narrow), $"frame {t}, {gaussians} Gaussians");
                foreach (var v in wide.AsSpan(1)) distinct.Add(v);
            }
        }

        Assert.True(distinct.Count > 100, $"{distinct.Count} distinct scores");
    }

    [Fact]
    public void FramesEvaluatedFourAtATime_GiveTheDensitiesOfOneAtATime()
    {
        var pcm = AudioDecoder.Decode(AudioTestData.Voice("librivox_0880.wav")).ToPcm16().AsSpan(8000, 8000).ToArray();
        using var recognizer = PocketSphinxDecoder.CreateWordRecognizer(PocketSphinxDecoder.DefaultModelDirectory);
        var scorer = SenoneScorer.For(recognizer.ScoredModelDirectory!);
        var features = recognizer.Features(pcm, out var frames)!;
        var length = features.Length / frames;
        var four = new float[4 * 128];
        var one = new float[128];
        // Every codebook of every stream, to the bit, in blocks of four frames.
        for (var t = 0; t + 4 <= frames; t += 4)
        {
            for (var stream = 0; stream < 3; stream++)
            {
                for (var codebook = 0; codebook < 42; codebook++)
                {
                    scorer.CodebookDistances(features.AsSpan(t * length, 4 * length), 4, codebook, stream, four);
                    for (var b = 0; b < 4; b++)
                    {
                        scorer.CodebookDistances(features.AsSpan((t + b) * length, length), 1, codebook, stream, one);
                        Assert.Equal(one, four.AsSpan(b * 128, 128).ToArray());
                    }
                }
            }
        }

        // And what a piece keeps of them: the same, whether its frames come four at a time or one by one.
        Assert.NotEqual(0, frames % 4);
        using var together = scorer.Evaluate(features, frames);
        for (var t = 0; t < frames; t++)
        {
            using var alone = scorer.Evaluate(features.AsSpan(t * length, length), 1);
            Assert.Equal(alone.Codewords(0).ToArray(), together.Codewords(t).ToArray());
            Assert.Equal(alone.Scores(0).ToArray(), together.Scores(t).ToArray());
        }
    }

    [Fact]
    public void BestGaussians_FromPackedKeys_AreThoseTheSearchFinds()
    {
        var random = new Random(5);
        var distances = new float[128];
        var (packedCodewords, packedScores, codewords, scores) = (new int[4], new int[4], new int[4], new int[4]);
        var scratch = new int[128];
        var packed = 0;
        for (var trial = 0; trial < 3000; trial++)
        {
            // Scores of a few distinct values (ties everywhere), of any size, fractions truncated; now and
            // then one too large to pack, which leaves the choice to the search.
            var spread = trial % 3 == 0 ? 8 : 1 << random.Next(4, 25);
            for (var i = 0; i < distances.Length; i++)
                distances[i] = -(float)(random.Next(spread) + random.NextDouble());
            if (trial % 10 == 9) distances[random.Next(distances.Length)] = trial % 20 == 9 ? -3e7f : 2e7f;

            SelectTop(distances, scratch, codewords, scores, packedOnly: false);
            if (!SelectTop(distances, scratch, packedCodewords, packedScores, packedOnly: true))
            {
                Assert.True(trial % 10 == 9 || spread >= 1 << 24, $"trial {trial}: not packed");
                continue;
            }

            packed++;
            Assert.Equal(codewords, packedCodewords);
            Assert.Equal(scores, packedScores);
        }

        Assert.True(packed > 2500, $"{packed} packed");

        static bool SelectTop(float[] d, int[] scratch, int[] c, int[] s, bool packedOnly)
        {
            if (packedOnly) return SenoneScorer.SelectTopPacked(d, scratch, c, s);
            SenoneScorer.SelectTopUnpacked(d, scratch, c, s);
            return true;
        }
    }

    [Fact]
    public void Recogniser_HearsFromTheScoresWhatItHearsItself()
    {
        var pcm = AudioDecoder.Decode(AudioTestData.Voice("librivox_0920.wav")).ToPcm16();
        // Two recognisers: pocketsphinx 5prealpha resizes a decoder's frame buffer for a whole utterance
        // without its file positions, so one decoder must not do both (it corrupts the heap).
        using var native = PocketSphinxDecoder.CreateWordRecognizer(PocketSphinxDecoder.DefaultModelDirectory);
        using var recognizer = PocketSphinxDecoder.CreateWordRecognizer(PocketSphinxDecoder.DefaultModelDirectory);
        var features = recognizer.Features(pcm, out var frames)!;
        using var scored = SenoneScorer.For(recognizer.ScoredModelDirectory!).Evaluate(features, frames);

        var itself = native.Decode(pcm, wholeUtterance: true);
        var words = recognizer.DecodeScores(scored, 3);

        Assert.True(itself.Count >= 10, $"{itself.Count} segments");
        Assert.Equal(itself.Select(s => s.Label), words.Select(s => s.Label));
        Assert.All(itself.Zip(words), pair => Assert.InRange(pair.Second.StartFrame - pair.First.StartFrame, -3, 3));
    }

    [Fact]
    public void ScoreStream_ReadsAsPocketSphinxWithItsLookaheadExpects()
    {
        var pcm = AudioDecoder.Decode(AudioTestData.Voice("librivox_0880.wav")).ToPcm16().AsSpan(0, 16000).ToArray();
        using var recognizer = PocketSphinxDecoder.CreateWordRecognizer(PocketSphinxDecoder.DefaultModelDirectory);
        var features = recognizer.Features(pcm, out var frames)!;
        using var scored = SenoneScorer.For(recognizer.ScoredModelDirectory!).Evaluate(features, frames);
        var whole = scored.ReadAll(4);
        Assert.Equal(scored.StreamLength, whole.Length);

        var dataStart = DataStart(whole);
        var frameBytes = (whole.Length - dataStart) / frames;
        Assert.Equal(whole.Length, dataStart + (frameBytes * frames));

        // As pocketsphinx reads it with its phone-loop lookahead: the header in odd pieces, then each
        // frame (its count, then its scores) and the position after it; from the sixth frame on, the
        // frame five behind read again by seeking to the position recorded after it.
        using (var stream = scored.Open(4))
        {
            var header = new byte[dataStart];
            for (var at = 0; at < header.Length;)
            {
                var n = (int)FileRead(header.AsSpan(at), 1, (nuint)Math.Min(37, header.Length - at), stream.File);
                Assert.True(n > 0, $"fread returned {n} at {at}");
                at += n;
            }

            Assert.Equal(whole.AsSpan(0, dataStart).ToArray(), header);
            var after = new long[frames];
            var frame = new byte[frameBytes];
            for (var k = 0; k < frames; k++)
            {
                Assert.Equal((nuint)1, FileRead(frame, 2, 1, stream.File));
                Assert.Equal((nuint)(frameBytes / 2 - 1), FileRead(frame.AsSpan(2), 2, (nuint)(frameBytes / 2 - 1), stream.File));
                Assert.Equal(whole.AsSpan(dataStart + (k * frameBytes), frameBytes).ToArray(), frame);
                after[k] = FileTell(stream.File);
                Assert.Equal(dataStart + ((k + 1) * frameBytes), after[k]);
                if (k < 5) continue;
                Assert.Equal(0, FileSeek(stream.File, after[k - 5], 0));
                Assert.Equal((nuint)frameBytes, FileRead(frame, 1, (nuint)frameBytes, stream.File));
                Assert.Equal(whole.AsSpan(dataStart + ((k - 5) * frameBytes), frameBytes).ToArray(), frame);
            }

            // At the end, the last frames again (the search catching up), then nothing more.
            for (var k = frames - 5; k < frames; k++)
            {
                Assert.Equal(0, FileSeek(stream.File, after[k], 0));
                Assert.Equal((nuint)frameBytes, FileRead(frame, 1, (nuint)frameBytes, stream.File));
                Assert.Equal(whole.AsSpan(dataStart + (k * frameBytes), frameBytes).ToArray(), frame);
            }

            Assert.Equal((nuint)0, FileRead(frame, 1, 1, stream.File));
        }

        // A stream not read that far seeks plainly: into the middle of a frame, then forward to the end.
        using (var stream = scored.Open(4))
        {
            var middle = whole.Length / 3;
            Assert.Equal(0, FileSeek(stream.File, middle, 0));
            Assert.Equal(middle, (long)FileTell(stream.File));
            var rest = new byte[whole.Length - middle];
            Assert.Equal((nuint)rest.Length, FileRead(rest, 1, (nuint)rest.Length, stream.File));
            Assert.Equal(whole.AsSpan(middle).ToArray(), rest);
            Assert.Equal((nuint)0, FileRead(rest, 1, 1, stream.File));
        }
    }

    [DllImport("libc.so.6", EntryPoint = "fread")]
    private static extern unsafe nuint FileRead(byte* buffer, nuint size, nuint count, nint file);

    private static unsafe nuint FileRead(Span<byte> buffer, nuint size, nuint count, nint file)
    {
        fixed (byte* p = buffer) return FileRead(p, size, count, file);
    }

    [DllImport("libc.so.6", EntryPoint = "fseek")]
    private static extern int FileSeek(nint file, long offset, int whence);

    [DllImport("libc.so.6", EntryPoint = "ftell")]
    private static extern long FileTell(nint file);

    /// <summary>After the text header ("endhdr\n") and the byte-order word.</summary>
    private static int DataStart(byte[] stream) => stream.AsSpan().IndexOf("endhdr\n"u8) + 7 + 4;
}
