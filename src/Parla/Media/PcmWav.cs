using System.Buffers.Binary;

namespace Parla.Media;

/// <summary>
/// Recognises a WAV file whose samples are already what the decoder makes of any audio — 16-bit PCM,
/// one channel, the rate asked for — so that they can be taken as they are: ffmpeg would pass them
/// through unchanged, and starting it costs 50–70 ms before the first frame.
/// </summary>
internal static class PcmWav
{
    private const ushort FormatPcm = 1;
    private const ushort FormatExtensible = 0xFFFE;

    // The PCM sub-format GUID of WAVE_FORMAT_EXTENSIBLE, as it lies in the file.
    private static ReadOnlySpan<byte> PcmSubFormat => [0x01, 0x00, 0x00, 0x00, 0x00, 0x00, 0x10, 0x00, 0x80, 0x00, 0x00, 0xAA, 0x00, 0x38, 0x9B, 0x71];

    /// <summary>
    /// Where the samples of <paramref name="stream"/> lie when it is such a file: the data chunk's
    /// offset and length in bytes. False for anything else (another format, rate or layout, a data
    /// length the file does not hold, as a WAV written while streaming has), which ffmpeg then decodes.
    /// </summary>
    public static bool TryFindSamples(Stream stream, int sampleRateHz, out long offset, out long length)
    {
        offset = length = 0;
        Span<byte> header = stackalloc byte[12];
        if (stream.ReadAtLeast(header, header.Length, throwOnEndOfStream: false) < header.Length
            || !header[..4].SequenceEqual("RIFF"u8) || !header[8..12].SequenceEqual("WAVE"u8))
        {
            return false;
        }

        var fileLength = stream.Length;
        var position = 12L;
        var formatOk = false;
        Span<byte> chunk = stackalloc byte[8];
        Span<byte> format = stackalloc byte[40];
        while (position + 8 <= fileLength)
        {
            stream.Position = position;
            if (stream.ReadAtLeast(chunk, chunk.Length, throwOnEndOfStream: false) < chunk.Length) return false;
            var size = BinaryPrimitives.ReadUInt32LittleEndian(chunk[4..]);
            var body = position + 8;
            if (chunk[..4].SequenceEqual("fmt "u8))
            {
                if (size < 16 || size > format.Length) return false;
                var fmt = format[..(int)size];
                if (stream.ReadAtLeast(fmt, fmt.Length, throwOnEndOfStream: false) < fmt.Length) return false;
                formatOk = IsMono16BitPcm(fmt, sampleRateHz);
                if (!formatOk) return false;
            }
            else if (chunk[..4].SequenceEqual("data"u8))
            {
                if (!formatOk || size == 0 || size % 2 != 0 || body + size > fileLength) return false;
                offset = body;
                length = size;
                return true;
            }

            position = body + size + (size & 1);
        }

        return false;
    }

    private static bool IsMono16BitPcm(ReadOnlySpan<byte> fmt, int sampleRateHz)
    {
        var tag = BinaryPrimitives.ReadUInt16LittleEndian(fmt);
        var channels = BinaryPrimitives.ReadUInt16LittleEndian(fmt[2..]);
        var rate = BinaryPrimitives.ReadUInt32LittleEndian(fmt[4..]);
        var bits = BinaryPrimitives.ReadUInt16LittleEndian(fmt[14..]);
        if (channels != 1 || rate != sampleRateHz || bits != 16) return false;
        if (tag == FormatPcm) return true;
        // WAVE_FORMAT_EXTENSIBLE: 16 valid bits of PCM.
        return tag == FormatExtensible && fmt.Length >= 40
            && BinaryPrimitives.ReadUInt16LittleEndian(fmt[18..]) == 16
            && fmt[24..40].SequenceEqual(PcmSubFormat);
    }
}
