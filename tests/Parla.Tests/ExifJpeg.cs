namespace Parla.Tests;

/// <summary>JPEGs as cameras write them (shared with the benchmarks, which link this file).</summary>
internal static class ExifJpeg
{
    /// <summary>
    /// <paramref name="jpeg"/> with an EXIF orientation tag (APP1 "Exif": a little-endian TIFF header and
    /// one IFD holding the single SHORT entry 0x0112) put in front of its other segments.
    /// </summary>
    public static byte[] WithOrientation(byte[] jpeg, ushort orientation)
    {
        byte[] exif =
        [
            (byte)'E', (byte)'x', (byte)'i', (byte)'f', 0, 0,
            (byte)'I', (byte)'I', 42, 0, 8, 0, 0, 0,
            1, 0,
            0x12, 0x01, 3, 0, 1, 0, 0, 0, (byte)orientation, 0, 0, 0,
            0, 0, 0, 0,
        ];
        var length = exif.Length + 2;
        var withExif = new List<byte> { 0xFF, 0xD8, 0xFF, 0xE1, (byte)(length >> 8), (byte)length };
        withExif.AddRange(exif);
        withExif.AddRange(jpeg.Skip(2));
        return withExif.ToArray();
    }
}
