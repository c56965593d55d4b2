using System.Buffers.Binary;
using System.Security.Cryptography;
using System.Text;

namespace Parla.Provenance;

/// <summary>
/// The few ISO-BMFF (MP4) operations provenance needs, done on the file itself so that no remux
/// can change a byte of the video: hashing the video track's samples, and reading and appending a
/// top-level <c>uuid</c> box that carries the manifest.
/// </summary>
public static class Mp4Container
{
    /// <summary>Name of the stream-hash method recorded in manifests.</summary>
    public const string StreamHashMethod = "parla-mp4-video-samples-v1";

    /// <summary>The extended type of Parla's manifest box (a fixed, randomly chosen UUID).</summary>
    public static readonly Guid ManifestBoxType = new("6f0b2c8e-3d41-4e7a-9a15-5c2d7e8f1b36");

    private readonly record struct Box(string Type, long Start, long HeaderSize, long Size)
    {
        public long PayloadStart => Start + HeaderSize;
        public long End => Start + Size;
    }

    /// <summary>
    /// SHA-256 (lower-case hex) of the first video track as it will be decoded: the mdhd timescale,
    /// the stsd (codec configuration, e.g. avcC with SPS/PPS), stts and ctts boxes (timing), then
    /// every sample in decode order, each prefixed by its size as a 32-bit big-endian integer.
    /// Rewriting metadata or appending boxes leaves it unchanged; re-encoding, cutting or retiming
    /// the video changes it.
    /// </summary>
    /// <exception cref="InvalidInputException">The file is not an MP4 with a video track, or is fragmented.</exception>
    public static string ComputeVideoStreamSha256(string path)
    {
        try
        {
            return ComputeVideoStreamSha256Core(path);
        }
        catch (EndOfStreamException e)
        {
            throw new InvalidInputException(path, "is truncated or not a well-formed MP4.", inner: e);
        }
    }

    private static string ComputeVideoStreamSha256Core(string path)
    {
        using var file = OpenRead(path);
        var top = ReadChildren(file, 0, file.Length, path);
        if (top.Any(b => b.Type == "moof")) throw new InvalidInputException(path, "is a fragmented MP4; Parla writes and verifies unfragmented MP4 files only.");
        var moov = top.FirstOrDefault(b => b.Type == "moov");
        if (moov.Type is null) throw new InvalidInputException(path, "is not an MP4 file (no moov box).");

        foreach (var trak in ReadChildren(file, moov.PayloadStart, moov.End, path).Where(b => b.Type == "trak"))
        {
            var mdia = Child(file, trak, "mdia", path);
            if (mdia is not { } m) continue;
            var hdlr = Child(file, m, "hdlr", path);
            if (hdlr is not { } h || Encoding.ASCII.GetString(ReadBytes(file, h.PayloadStart + 8, 4)) != "vide") continue;
            var mdhd = Child(file, m, "mdhd", path) ?? throw Malformed(path, "mdhd");
            var minf = Child(file, m, "minf", path) ?? throw Malformed(path, "minf");
            var stbl = Child(file, minf, "stbl", path) ?? throw Malformed(path, "stbl");
            return HashTrack(file, mdhd, stbl, path);
        }
        throw new InvalidInputException(path, "has no video track.");
    }

    private static string HashTrack(FileStream file, Box mdhd, Box stbl, string path)
    {
        using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        var mdhdBytes = ReadBytes(file, mdhd.PayloadStart, (int)Math.Min(mdhd.Size - mdhd.HeaderSize, 64));
        // version 0: 4 flags + 4 creation + 4 modification, then timescale; version 1: 4 + 8 + 8.
        var timescaleAt = mdhdBytes[0] == 1 ? 20 : 12;
        hash.AppendData(mdhdBytes.AsSpan(timescaleAt, 4));

        var children = ReadChildren(file, stbl.PayloadStart, stbl.End, path);
        Box? Find(string type) => children.Where(b => b.Type == type).Select(b => (Box?)b).FirstOrDefault();
        foreach (var type in new[] { "stsd", "stts", "ctts" })
        {
            if (Find(type) is { } box) hash.AppendData(ReadBytes(file, box.Start, checked((int)box.Size)));
            else if (type != "ctts") throw Malformed(path, type);
        }

        var sizes = ReadSampleSizes(file, Find("stsz") ?? throw Malformed(path, "stsz"));
        var chunkOffsets = Find("stco") is { } stco ? ReadChunkOffsets(file, stco, wide: false)
            : Find("co64") is { } co64 ? ReadChunkOffsets(file, co64, wide: true) : throw Malformed(path, "stco");
        var stsc = ReadSampleToChunk(file, Find("stsc") ?? throw Malformed(path, "stsc"));

        var sample = 0;
        var buffer = new byte[1 << 16];
        Span<byte> prefix = stackalloc byte[4];
        for (var chunk = 0; chunk < chunkOffsets.Length && sample < sizes.Length; chunk++)
        {
            var perChunk = SamplesInChunk(stsc, chunk + 1);
            var offset = chunkOffsets[chunk];
            for (var k = 0; k < perChunk && sample < sizes.Length; k++, sample++)
            {
                var size = sizes[sample];
                BinaryPrimitives.WriteUInt32BigEndian(prefix, size);
                hash.AppendData(prefix);
                if (offset + size > file.Length) throw new InvalidInputException(path, "is truncated (a video sample lies past the end of the file).");
                file.Position = offset;
                long left = size;
                while (left > 0)
                {
                    var n = file.Read(buffer, 0, (int)Math.Min(buffer.Length, left));
                    if (n == 0) throw new InvalidInputException(path, "is truncated.");
                    hash.AppendData(buffer, 0, n);
                    left -= n;
                }
                offset += size;
            }
        }
        if (sample != sizes.Length) throw new InvalidInputException(path, "has a sample table that does not add up (fewer chunks than samples).");
        return Convert.ToHexStringLower(hash.GetHashAndReset());
    }

    private static uint[] ReadSampleSizes(FileStream file, Box stsz)
    {
        var head = ReadBytes(file, stsz.PayloadStart, 12);
        var fixedSize = BinaryPrimitives.ReadUInt32BigEndian(head.AsSpan(4));
        var count = checked((int)BinaryPrimitives.ReadUInt32BigEndian(head.AsSpan(8)));
        var sizes = new uint[count];
        if (fixedSize != 0)
        {
            Array.Fill(sizes, fixedSize);
            return sizes;
        }
        var table = ReadBytes(file, stsz.PayloadStart + 12, checked(count * 4));
        for (var i = 0; i < count; i++) sizes[i] = BinaryPrimitives.ReadUInt32BigEndian(table.AsSpan(i * 4));
        return sizes;
    }

    private static long[] ReadChunkOffsets(FileStream file, Box box, bool wide)
    {
        var count = checked((int)BinaryPrimitives.ReadUInt32BigEndian(ReadBytes(file, box.PayloadStart + 4, 4)));
        var width = wide ? 8 : 4;
        var table = ReadBytes(file, box.PayloadStart + 8, checked(count * width));
        var offsets = new long[count];
        for (var i = 0; i < count; i++)
            offsets[i] = wide ? (long)BinaryPrimitives.ReadUInt64BigEndian(table.AsSpan(i * 8)) : BinaryPrimitives.ReadUInt32BigEndian(table.AsSpan(i * 4));
        return offsets;
    }

    private static (uint FirstChunk, uint PerChunk)[] ReadSampleToChunk(FileStream file, Box box)
    {
        var count = checked((int)BinaryPrimitives.ReadUInt32BigEndian(ReadBytes(file, box.PayloadStart + 4, 4)));
        var table = ReadBytes(file, box.PayloadStart + 8, checked(count * 12));
        var runs = new (uint, uint)[count];
        for (var i = 0; i < count; i++)
            runs[i] = (BinaryPrimitives.ReadUInt32BigEndian(table.AsSpan(i * 12)), BinaryPrimitives.ReadUInt32BigEndian(table.AsSpan(i * 12 + 4)));
        return runs;
    }

    private static int SamplesInChunk((uint FirstChunk, uint PerChunk)[] runs, int chunk)
    {
        var perChunk = 0;
        foreach (var run in runs)
        {
            if (run.FirstChunk > chunk) break;
            perChunk = (int)run.PerChunk;
        }
        return perChunk;
    }

    /// <summary>The manifest JSON embedded in <paramref name="path"/>, or null when it carries none.</summary>
    /// <exception cref="InvalidInputException">The file cannot be read or is not an ISO-BMFF file.</exception>
    public static string? ReadEmbeddedManifest(string path)
    {
        try
        {
            return ReadEmbeddedManifestCore(path);
        }
        catch (EndOfStreamException e)
        {
            throw new InvalidInputException(path, "is truncated or not a well-formed MP4.", inner: e);
        }
    }

    private static string? ReadEmbeddedManifestCore(string path)
    {
        using var file = OpenRead(path);
        string? found = null;
        foreach (var box in ReadChildren(file, 0, file.Length, path))
        {
            if (!IsManifestBox(file, box)) continue;
            var length = checked((int)(box.Size - box.HeaderSize - 16));
            found = Encoding.UTF8.GetString(ReadBytes(file, box.PayloadStart + 16, length));
        }
        return found;
    }

    /// <summary>
    /// Rewrites <paramref name="path"/> with <paramref name="manifestJson"/> in a top-level uuid box at
    /// its end, replacing a manifest box already there. The moov box stays before mdat (faststart)
    /// and no byte of the video track moves. Written to a temporary file and renamed into place.
    /// </summary>
    public static void EmbedManifest(string path, string manifestJson)
    {
        var full = Path.GetFullPath(path);
        var temp = Media.OutputFile.TemporaryPath(full, "manifest");
        try
        {
            using (var source = OpenRead(path))
            using (var target = new FileStream(temp, FileMode.Create, FileAccess.Write))
            {
                foreach (var box in ReadChildren(source, 0, source.Length, path))
                {
                    if (IsManifestBox(source, box)) continue;
                    source.Position = box.Start;
                    CopyBytes(source, target, box.Size);
                }
                var json = Encoding.UTF8.GetBytes(manifestJson);
                var header = new byte[8 + 16];
                BinaryPrimitives.WriteUInt32BigEndian(header, checked((uint)(header.Length + json.Length)));
                Encoding.ASCII.GetBytes("uuid", header.AsSpan(4));
                ManifestBoxType.TryWriteBytes(header.AsSpan(8), bigEndian: true, out _);
                target.Write(header);
                target.Write(json);
            }
            File.Move(temp, full, overwrite: true);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            try { File.Delete(temp); } catch (IOException) { }
            if (Media.OutputFile.SaysDiskFull(e.Message))
                throw Media.OutputFile.DiskFull(path, $"the signed copy of the video (as large as the video, {new FileInfo(path).Length >> 20} MB, for a moment beside it)", e);
            throw new OutputException(path, $"the manifest cannot be embedded ({e.Message}).", e);
        }
    }

    private static bool IsManifestBox(FileStream file, Box box)
    {
        if (box.Type != "uuid" || box.Size < box.HeaderSize + 16) return false;
        var type = ReadBytes(file, box.PayloadStart, 16);
        return new Guid(type, bigEndian: true) == ManifestBoxType;
    }

    private static void CopyBytes(Stream source, Stream target, long count)
    {
        var buffer = new byte[1 << 16];
        while (count > 0)
        {
            var n = source.Read(buffer, 0, (int)Math.Min(buffer.Length, count));
            if (n == 0) throw new IOException("unexpected end of file");
            target.Write(buffer, 0, n);
            count -= n;
        }
    }

    private static FileStream OpenRead(string path)
    {
        try
        {
            return new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, 1 << 16);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new InvalidInputException(path, $"cannot be read ({e.Message}).", inner: e);
        }
    }

    private static Box? Child(FileStream file, Box parent, string type, string path)
    {
        foreach (var box in ReadChildren(file, parent.PayloadStart, parent.End, path))
            if (box.Type == type) return box;
        return null;
    }

    private static List<Box> ReadChildren(FileStream file, long start, long end, string path)
    {
        var boxes = new List<Box>();
        var header = new byte[16];
        var position = start;
        while (position + 8 <= end)
        {
            file.Position = position;
            file.ReadExactly(header, 0, 8);
            long size = BinaryPrimitives.ReadUInt32BigEndian(header);
            var type = Encoding.ASCII.GetString(header, 4, 4);
            long headerSize = 8;
            if (size == 1)
            {
                if (position + 16 > end) break;
                file.ReadExactly(header, 8, 8);
                size = (long)BinaryPrimitives.ReadUInt64BigEndian(header.AsSpan(8));
                headerSize = 16;
            }
            else if (size == 0)
            {
                size = end - position;
            }
            if (size < headerSize || position + size > end)
            {
                if (boxes.Count == 0) throw new InvalidInputException(path, "is not an MP4 (ISO-BMFF) file.");
                // A damaged or half-written trailing box: keep what was readable.
                break;
            }
            boxes.Add(new Box(type, position, headerSize, size));
            position += size;
        }
        return boxes;
    }

    private static byte[] ReadBytes(FileStream file, long offset, int count)
    {
        var bytes = new byte[count];
        file.Position = offset;
        file.ReadExactly(bytes);
        return bytes;
    }

    private static InvalidInputException Malformed(string path, string box) =>
        new(path, $"is not a well-formed MP4 (the video track has no {box} box).");
}
