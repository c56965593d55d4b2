using System.Buffers;
using System.Runtime.InteropServices;

namespace Parla.Audio.Phonemes;

/// <summary>
/// A piece's Gaussians evaluated once (<see cref="SenoneScorer.Evaluate"/>): per frame, codebook and
/// stream the best Gaussians and their scores, a byte each (about 1 KB a frame, from the array pool).
/// Each decoder reads its senone scores from a stream made of them as it reads (<see cref="Open"/>):
/// the whole stream would take 10 KB a frame, and two decoders on each of two threads held 60 MB.
/// </summary>
internal sealed class ScoredFrames : IDisposable
{
    private readonly SenoneScorer _scorer;
    private readonly int _perFrame;
    private byte[]? _codewords;
    private byte[]? _scores;

    internal ScoredFrames(SenoneScorer scorer, int frameCount, int perFrame)
    {
        _scorer = scorer;
        FrameCount = frameCount;
        _perFrame = perFrame;
        _codewords = ArrayPool<byte>.Shared.Rent(Math.Max(1, frameCount * perFrame));
        _scores = ArrayPool<byte>.Shared.Rent(Math.Max(1, frameCount * perFrame));
    }

    public int FrameCount { get; }

    internal Span<byte> Codewords(int frame) => Live(_codewords).AsSpan(frame * _perFrame, _perFrame);

    internal Span<byte> Scores(int frame) => Live(_scores).AsSpan(frame * _perFrame, _perFrame);

    /// <summary>Length of the senone-score stream in bytes: header, byte-order word, frames.</summary>
    public long StreamLength => _scorer.StreamHeader.Length + 4L + ((long)FrameCount * _scorer.StreamFrameBytes);

    /// <summary>
    /// A C stream (<c>FILE*</c>, from glibc's <c>fopencookie</c>) that reads as the senone-score stream
    /// pocketsphinx's <c>ps_decode_senscr</c> takes for a decoder that mixes <paramref name="gaussians"/>
    /// Gaussians a senone (its -topn), each frame made when read. Close it with <see cref="SenoneStream.Dispose"/>.
    /// </summary>
    public SenoneStream Open(int gaussians) => new(this, gaussians);

    /// <summary>The whole stream at once (for comparing with pocketsphinx's own scores).</summary>
    internal byte[] ReadAll(int gaussians)
    {
        var all = new byte[StreamLength];
        var reader = new StreamReader(this, gaussians);
        reader.Read(all);
        return all;
    }

    public void Dispose()
    {
        if (_codewords is { } c) ArrayPool<byte>.Shared.Return(c);
        if (_scores is { } s) ArrayPool<byte>.Shared.Return(s);
        _codewords = _scores = null;
    }

    private static byte[] Live(byte[]? array) => array ?? throw new ObjectDisposedException(nameof(ScoredFrames));

    /// <summary>Reads the stream from any position: the header, then each frame's scores made from its best Gaussians (the last one kept).</summary>
    private sealed class StreamReader(ScoredFrames frames, int gaussians)
    {
        private static readonly byte[] ByteOrder = [0x44, 0x33, 0x22, 0x11]; // 0x11223344, little-endian

        private readonly int[] _senones = new int[frames._scorer.SenoneCount];
        private readonly short[] _frame = new short[frames._scorer.StreamFrameBytes / 2];
        private int _frameIndex = -1;

        public long Position { get; set; }

        public long Length => frames.StreamLength;

        [System.Runtime.CompilerServices.MethodImpl(System.Runtime.CompilerServices.MethodImplOptions.AggressiveOptimization)]
        public int Read(Span<byte> buffer)
        {
            var scorer = frames._scorer;
            var header = scorer.StreamHeader;
            var dataStart = header.Length + 4;
            var frameBytes = scorer.StreamFrameBytes;
            var total = frames.StreamLength;
            var written = 0;
            while (written < buffer.Length && Position < total)
            {
                int count;
                if (Position < header.Length)
                {
                    var part = header.AsSpan((int)Position);
                    count = Math.Min(part.Length, buffer.Length - written);
                    part[..count].CopyTo(buffer[written..]);
                }
                else if (Position < dataStart)
                {
                    var part = ByteOrder.AsSpan((int)(Position - header.Length));
                    count = Math.Min(part.Length, buffer.Length - written);
                    part[..count].CopyTo(buffer[written..]);
                }
                else
                {
                    var index = (int)((Position - dataStart) / frameBytes);
                    if (index != _frameIndex)
                    {
                        scorer.WriteStreamFrame(frames.Codewords(index), frames.Scores(index), gaussians, _senones, _frame);
                        _frameIndex = index;
                    }

                    var part = MemoryMarshal.AsBytes(_frame.AsSpan())[(int)((Position - dataStart) % frameBytes)..];
                    count = Math.Min(part.Length, buffer.Length - written);
                    part[..count].CopyTo(buffer[written..]);
                }

                written += count;
                Position += count;
            }

            return written;
        }
    }

    /// <summary>A senone-score stream open as a C <c>FILE*</c> for pocketsphinx (<see cref="File"/>); reads and seeks call back here.</summary>
    internal sealed unsafe class SenoneStream : IDisposable
    {
        private GCHandle _handle;

        internal SenoneStream(ScoredFrames frames, int gaussians)
        {
            _handle = GCHandle.Alloc(new StreamReader(frames, gaussians));
            var functions = new PocketSphinxNative.CookieFunctions
            {
                Read = (nint)(delegate* unmanaged<nint, byte*, nuint, nint>)&ReadCallback,
                Seek = (nint)(delegate* unmanaged<nint, long*, int, int>)&SeekCallback,
                Close = (nint)(delegate* unmanaged<nint, int>)&CloseCallback,
            };
            File = PocketSphinxNative.OpenCookie(GCHandle.ToIntPtr(_handle), "rb", functions);
            if (File == 0)
            {
                _handle.Free();
                throw new ToolException("could not open the senone scores as a stream (fopencookie failed).");
            }
        }

        /// <summary>The C stream.</summary>
        public nint File { get; private set; }

        public void Dispose()
        {
            if (File == 0) return;
            PocketSphinxNative.CloseFile(File);
            File = 0;
            _handle.Free();
        }

        [UnmanagedCallersOnly]
        private static nint ReadCallback(nint cookie, byte* buffer, nuint size)
        {
            try
            {
                var reader = (StreamReader)GCHandle.FromIntPtr(cookie).Target!;
                return reader.Read(new Span<byte>(buffer, (int)Math.Min(size, int.MaxValue)));
            }
            catch (Exception)
            {
                return -1;
            }
        }

        [UnmanagedCallersOnly]
        private static int SeekCallback(nint cookie, long* offset, int whence)
        {
            try
            {
                var reader = (StreamReader)GCHandle.FromIntPtr(cookie).Target!;
                var target = whence switch
                {
                    0 => *offset, // SEEK_SET
                    1 => reader.Position + *offset, // SEEK_CUR
                    2 => reader.Length + *offset, // SEEK_END
                    _ => -1,
                };
                if (target < 0) return -1;
                reader.Position = target;
                *offset = target;
                return 0;
            }
            catch (Exception)
            {
                return -1;
            }
        }

        [UnmanagedCallersOnly]
        private static int CloseCallback(nint cookie) => 0;
    }
}
