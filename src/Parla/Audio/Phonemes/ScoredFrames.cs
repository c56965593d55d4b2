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
        for (var at = 0; at < all.Length;) at += reader.Read(all.AsSpan(at));
        return all;
    }

    public void Dispose()
    {
        if (_codewords is { } c) ArrayPool<byte>.Shared.Return(c);
        if (_scores is { } s) ArrayPool<byte>.Shared.Return(s);
        _codewords = _scores = null;
    }

    private static byte[] Live(byte[]? array) => array ?? throw new ObjectDisposedException(nameof(ScoredFrames));

    /// <summary>
    /// Reads the stream from any position: the header, then each frame's scores made from its best
    /// Gaussians (the last few kept, for frames read again). A read stops at the end of a frame.
    /// </summary>
    /// <remarks>
    /// pocketsphinx 5prealpha's phone-loop lookahead (<c>-pl_window</c>) searches the words a few frames
    /// behind the frames it reads, and reads a frame again when the search reaches it: it seeks to the
    /// position it recorded for that frame, which is where the next frame starts (it asks for the
    /// position after reading the frame). So a seek to the end of a frame already read in order replays
    /// that frame, and reading then goes on where reading in order had got to. glibc turns the seek into
    /// one to the start of its buffer's block (<see cref="BufferBytes"/>) and reads up to the position
    /// asked for, so a seek anywhere in the block before a frame's end replays that frame: with frames
    /// larger than a block, there is at most one such end. Because every read stops at a frame's end and
    /// pocketsphinx reads whole frames, glibc's buffer is empty whenever it asks for the position, which
    /// is then this stream's own.
    /// </remarks>
    private sealed class StreamReader
    {
        private static readonly byte[] ByteOrder = [0x44, 0x33, 0x22, 0x11]; // 0x11223344, little-endian

        // More than the lookahead's lag (5 frames by default) behind the newest frame read.
        private const int KeptFrames = 8;

        private readonly ScoredFrames _frames;
        private readonly int _gaussians;
        private readonly long _dataStart;
        private readonly int _frameBytes;
        private readonly int[] _senones;
        private readonly short[][] _kept;
        private readonly int[] _keptIndex = [.. Enumerable.Repeat(-1, KeptFrames)];
        // How far the stream has been read in order; where a replayed frame's bytes begin to be read
        // (its end, reached from the block's start) and, once they are, where they end.
        private long _inOrderEnd;
        private long _replayAt = -1;
        private long _replayEnd = -1;

        public StreamReader(ScoredFrames frames, int gaussians)
        {
            _frames = frames;
            _gaussians = gaussians;
            _dataStart = frames._scorer.StreamHeader.Length + 4;
            _frameBytes = frames._scorer.StreamFrameBytes;
            if (_frameBytes <= BufferBytes) throw new InvalidOperationException($"Score frames of {_frameBytes} bytes fit in a {BufferBytes}-byte stream buffer: a replay would be ambiguous.");
            _senones = new int[frames._scorer.SenoneCount];
            _kept = [.. Enumerable.Range(0, KeptFrames).Select(_ => new short[_frameBytes / 2])];
        }

        public long Position { get; private set; }

        public long Length => _frames.StreamLength;

        /// <summary>Moves to <paramref name="target"/>; a frame's end read in order, or the start of its block, replays that frame (remarks).</summary>
        public void Seek(long target)
        {
            _replayAt = _replayEnd = -1;
            Position = target;
            // The first frame end at or after the target.
            var end = target <= _dataStart ? _dataStart + _frameBytes
                : _dataStart + ((target - _dataStart + _frameBytes - 1) / _frameBytes * _frameBytes);
            if (end - target < BufferBytes && end <= _inOrderEnd)
            {
                _replayAt = end;
                return;
            }

            _inOrderEnd = target;
        }

        [System.Runtime.CompilerServices.MethodImpl(System.Runtime.CompilerServices.MethodImplOptions.AggressiveOptimization)]
        public int Read(Span<byte> buffer)
        {
            var header = _frames._scorer.StreamHeader;
            var total = _frames.StreamLength;
            if (Position == _replayAt)
            {
                Position -= _frameBytes;
                _replayEnd = _replayAt;
                _replayAt = -1;
            }

            int count;
            if (Position >= total || buffer.IsEmpty)
            {
                return 0;
            }
            else if (Position < header.Length)
            {
                var part = header.AsSpan((int)Position);
                count = Math.Min(part.Length, buffer.Length);
                part[..count].CopyTo(buffer);
            }
            else if (Position < _dataStart)
            {
                var part = ByteOrder.AsSpan((int)(Position - header.Length));
                count = Math.Min(part.Length, buffer.Length);
                part[..count].CopyTo(buffer);
            }
            else
            {
                // Up to the frame's end, or to where a replayed frame begins.
                var index = (int)((Position - _dataStart) / _frameBytes);
                var part = MemoryMarshal.AsBytes(Frame(index).AsSpan())[(int)((Position - _dataStart) % _frameBytes)..];
                if (_replayAt >= 0) part = part[..(int)Math.Min(part.Length, _replayAt - Position)];
                count = Math.Min(part.Length, buffer.Length);
                part[..count].CopyTo(buffer);
            }

            Position += count;
            if (_replayEnd < 0 && _replayAt < 0)
            {
                _inOrderEnd = Math.Max(_inOrderEnd, Position);
            }
            else if (Position == _replayEnd)
            {
                Position = _inOrderEnd;
                _replayEnd = -1;
            }

            return count;
        }

        /// <summary>Frame <paramref name="index"/>'s scores as the stream holds them, made unless kept.</summary>
        private short[] Frame(int index)
        {
            var slot = index % KeptFrames;
            if (_keptIndex[slot] != index)
            {
                _frames._scorer.WriteStreamFrame(_frames.Codewords(index), _frames.Scores(index), _gaussians, _senones, _kept[slot]);
                _keptIndex[slot] = index;
            }

            return _kept[slot];
        }
    }

    /// <summary>The size of the C stream's buffer, set when it is opened, and smaller than a frame (<see cref="StreamReader"/>).</summary>
    internal const int BufferBytes = 4096;

    /// <summary>A senone-score stream open as a C <c>FILE*</c> for pocketsphinx (<see cref="File"/>); reads and seeks call back here.</summary>
    internal sealed unsafe class SenoneStream : IDisposable
    {
        private GCHandle _handle;
        private void* _buffer;

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
                throw new ToolException("could not open the senone scores as a stream (fopencookie failed).", missing: false);
            }

            // A buffer of a known size (glibc ignores the size unless it is given the buffer too).
            _buffer = NativeMemory.Alloc(BufferBytes);
            if (PocketSphinxNative.SetBuffer(File, _buffer, 0 /* _IOFBF */, BufferBytes) != 0)
            {
                Dispose();
                throw new ToolException("could not set the senone score stream's buffer (setvbuf failed).", missing: false);
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
            NativeMemory.Free(_buffer);
            _buffer = null;
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
                if (whence == 1 && *offset == 0)
                {
                    *offset = reader.Position; // ftell: where the stream is, nothing moved
                    return 0;
                }

                var target = whence switch
                {
                    0 => *offset, // SEEK_SET
                    1 => reader.Position + *offset, // SEEK_CUR
                    2 => reader.Length + *offset, // SEEK_END
                    _ => -1,
                };
                if (target < 0) return -1;
                reader.Seek(target);
                *offset = reader.Position;
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
