using SkiaSharp;

namespace Parla.Media;

/// <summary>Decodes images with SkiaSharp into straight-alpha RGBA frames, honouring EXIF orientation.</summary>
public static class ImageLoader
{
    /// <summary>Decodes the image at <paramref name="path"/>, rotated/flipped as its EXIF orientation says.</summary>
    /// <exception cref="InvalidInputException">The file is missing or is not an image SkiaSharp can decode.</exception>
    public static Frame Load(string path) => Decode(ReadImageFile(path), path, reduceTowards: 0, out _);

    private static byte[] ReadImageFile(string path)
    {
        if (Directory.Exists(path))
            throw new InvalidInputException(path, "is a directory, not an image.");
        if (!File.Exists(path))
            throw new InvalidInputException(path, "file not found.", "Check the path of the portrait.");

        try
        {
            return File.ReadAllBytes(path);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new InvalidInputException(path, $"cannot be read ({e.Message}).", inner: e);
        }
    }

    /// <summary>Decodes an encoded image held in memory; <paramref name="name"/> is used in error messages.</summary>
    public static Frame Decode(byte[] encoded, string name) => Decode(encoded, name, reduceTowards: 0, out _);

    /// <summary>
    /// Decodes <paramref name="encoded"/> upright. Where <paramref name="reduceTowards"/> is positive and
    /// the codec can decode the image smaller (JPEG, in eighths), it does, to the smallest such size whose
    /// longest side is still at least <paramref name="reduceTowards"/>, and resamples that to a video
    /// frame of at most <paramref name="reduceTowards"/> (<see cref="FitForVideo"/>'s size for the whole
    /// image); <paramref name="uprightSize"/> is the image's own size, upright, whatever size it was decoded at.
    /// </summary>
    /// <remarks>
    /// The encoded bytes are read where they are, and an upright image is decoded straight into its
    /// frame. A 4096×4096 PNG once took its 24 MB of bytes twice and its 67 MB of pixels three times
    /// while it was decoded (a copy for Skia, a bitmap, an upright copy of it, the frame); a 48-megapixel
    /// photo (8000×6000, 192 MB of pixels) made into a 1024-pixel video peaked at 606 MB, and at 787 MB
    /// with an EXIF rotation.
    /// </remarks>
    private static unsafe Frame Decode(byte[] encoded, string name, int reduceTowards, out (int Width, int Height) uprightSize)
    {
        fixed (byte* bytes = encoded)
        {
            // Skia reads the bytes in place; the codec and the data go before the bytes are let go.
            using var data = SKData.Create((IntPtr)bytes, encoded.Length);
            using var codec = data is null ? null : SKCodec.Create(data);
            if (codec is null)
                throw NotDecodable(encoded, name);

            var origin = codec.EncodedOrigin;
            uprightSize = SwapsSides(origin) ? (codec.Info.Height, codec.Info.Width) : (codec.Info.Width, codec.Info.Height);
            var size = DecodedSize(codec, reduceTowards);
            var stored = new Frame(size.Width, size.Height);
            try
            {
                fixed (byte* pixels = stored.Buffer)
                {
                    // Into sRGB: a photo tagged with another colour space (a phone's Display P3, a camera's
                    // Adobe RGB) keeps its colours in the video, which players show as sRGB; untagged
                    // images are sRGB already and decode as they always did.
                    EnsureDecoded(codec.GetPixels(Rgba(size.Width, size.Height).WithColorSpace(Srgb), (IntPtr)pixels), name);
                }

                if (size != codec.Info.Size)
                {
                    // Decoded smaller: resampled to the video's size before it is turned, a smaller frame to turn.
                    var (width, height) = ScaledSize(codec.Info.Width, codec.Info.Height, reduceTowards);
                    var reduced = stored;
                    stored = Resize(reduced, width, height);
                    reduced.Dispose();
                }

                if (origin == SKEncodedOrigin.TopLeft) return stored;
                using (stored)
                {
                    return Orient(stored, origin);
                }
            }
            catch
            {
                stored.Dispose();
                throw;
            }
        }
    }

    /// <summary>The codec's own size, or the smallest it decodes to directly whose longest side is at least <paramref name="reduceTowards"/>.</summary>
    private static SKSizeI DecodedSize(SKCodec codec, int reduceTowards)
    {
        var full = codec.Info.Size;
        if (reduceTowards <= 0 || Math.Max(full.Width, full.Height) <= reduceTowards) return full;
        // JPEG decodes in eighths of its size (the reduction done in the DCT, a low-pass of its own);
        // from the smallest eighth at least as large as the video, the cubic resampling after it
        // reduces by less than 2, where it does not alias.
        for (var eighths = 1; eighths < 8; eighths++)
        {
            var scaled = codec.GetScaledDimensions(eighths / 8f);
            if (scaled.Width < full.Width && Math.Max(scaled.Width, scaled.Height) >= reduceTowards) return scaled;
        }

        return full;
    }

    /// <summary>Whether turning an image upright from <paramref name="origin"/> swaps its width and height (the quarter turns and transpositions).</summary>
    private static bool SwapsSides(SKEncodedOrigin origin) =>
        origin is SKEncodedOrigin.LeftTop or SKEncodedOrigin.RightTop or SKEncodedOrigin.RightBottom or SKEncodedOrigin.LeftBottom;

    private static SKImageInfo Rgba(int width, int height) => new(width, height, SKColorType.Rgba8888, SKAlphaType.Unpremul);

    private static readonly SKColorSpace Srgb = SKColorSpace.CreateSrgb();

    private const string DecodableAdvice = "Use a JPEG, PNG or WebP portrait.";

    /// <summary>
    /// What to say of bytes no codec here reads: by their first bytes, what they are when that is a
    /// format people bring (a scan's TIFF, a phone's HEIC, a video) and how to make a portrait of it.
    /// </summary>
    public static InvalidInputException NotDecodable(ReadOnlySpan<byte> encoded, string name)
    {
        var file = Path.GetFileName(name);
        var brand = encoded.Length >= 12 && encoded[4..8].SequenceEqual("ftyp"u8) ? System.Text.Encoding.ASCII.GetString(encoded[8..12]) : null;
        if (encoded.StartsWith("II*\0"u8) || encoded.StartsWith("MM\0*"u8))
            return new InvalidInputException(name, "is a TIFF image, which Parla does not read.", $"Convert it first (ffmpeg -i '{file}' portrait.png), or use a JPEG, PNG or WebP portrait.");
        if (brand is "heic" or "heix" or "heim" or "heis" or "hevc" or "hevx" or "mif1" or "msf1" or "avif" or "avis")
            return new InvalidInputException(name, $"is {(brand.StartsWith("avi", StringComparison.Ordinal) ? "an AVIF" : "a HEIC/HEIF")} image (as phones save photos), which Parla does not read.",
                $"Convert it to JPEG first (heif-convert '{file}' portrait.jpg, from Debian's libheif-examples), or export the photo as JPEG.");
        // MP4/MOV/M4A, Matroska/WebM, AVI/WAV, MP3, Ogg, FLAC.
        if (brand is not null || encoded.StartsWith((ReadOnlySpan<byte>)[0x1A, 0x45, 0xDF, 0xA3]) || (encoded.StartsWith("RIFF"u8) && !(encoded.Length >= 12 && encoded[8..12].SequenceEqual("WEBP"u8)))
            || encoded.StartsWith("ID3"u8) || encoded.StartsWith("OggS"u8) || encoded.StartsWith("fLaC"u8))
            return new InvalidInputException(name, "is a video or a sound file, not a still portrait (the portrait comes first, then the voice).",
                $"Give a JPEG, PNG or WebP portrait; a video's frame makes one: ffmpeg -i '{file}' -frames:v 1 portrait.png.");
        return new InvalidInputException(name, "is not an image that can be decoded.", DecodableAdvice);
    }

    /// <summary>A truncated file decodes partly (IncompleteInput): the bottom of the portrait would be grey, so it is refused.</summary>
    private static void EnsureDecoded(SKCodecResult result, string name)
    {
        if (result != SKCodecResult.Success)
            throw new InvalidInputException(name, $"could not be decoded completely ({result}); the file may be truncated or damaged.", DecodableAdvice);
    }

    /// <summary>
    /// The image at <paramref name="path"/> as a video frame (<see cref="FitForVideo"/>), without a copy
    /// where it already fits, and decoded smaller where it is larger and its codec can (<see cref="Decode(byte[], string, int, out ValueTuple{int, int})"/>):
    /// the output's size is worked out from the image's own, so it is the same either way.
    /// <paramref name="originalWidth"/>: the image's own width, upright.
    /// </summary>
    public static Frame LoadForVideo(string path, int maxSide, out int originalWidth)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(maxSide, 16);
        // One decoded smaller comes back as a video frame already.
        var loaded = Decode(ReadImageFile(path), path, maxSide, out var upright);
        originalWidth = upright.Width;
        if (FitsAsIs(loaded, maxSide)) return loaded;
        using (loaded)
        {
            return FitForVideo(loaded, maxSide);
        }
    }

    /// <summary>Whether <paramref name="frame"/> is a video frame as it is: its longest side at most <paramref name="maxSide"/>, both sides even.</summary>
    private static bool FitsAsIs(Frame frame, int maxSide) =>
        Math.Max(frame.Width, frame.Height) <= maxSide && frame.Width % 2 == 0 && frame.Height % 2 == 0;

    /// <summary>Returns a copy scaled so that its longest side is at most <paramref name="maxSide"/> and both sides are even.</summary>
    public static Frame FitForVideo(Frame source, int maxSide)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(maxSide, 16);
        if (FitsAsIs(source, maxSide)) return source.Clone();
        if (Math.Max(source.Width, source.Height) <= maxSide)
        {
            // Small enough but a side odd: drop that column/row (H.264 4:2:0 needs even sides).
            return Crop(source, Math.Max(source.Width & ~1, 2), Math.Max(source.Height & ~1, 2));
        }

        var (width, height) = ScaledSize(source.Width, source.Height, maxSide);
        // Reduced by 2 or more, the cubic resampling alone aliases (a zone plate came out as moiré):
        // blocks of pixels are averaged first, down to less than twice the size, as a JPEG's own
        // reduction does for photos (see DecodedSize).
        var block = Math.Max(source.Width, source.Height) / maxSide;
        if (block < 2) return Resize(source, width, height);
        var averaged = AverageBlocks(source, block);
        if ((averaged.Width, averaged.Height) == (width, height)) return averaged;
        using (averaged)
        {
            return Resize(averaged, width, height);
        }
    }

    /// <summary>
    /// <paramref name="source"/> reduced by <paramref name="block"/>: each block × block of pixels (fewer at
    /// the right and bottom edges) averaged, the colours weighted by their alpha.
    /// </summary>
    private static Frame AverageBlocks(Frame source, int block)
    {
        var reduced = new Frame((source.Width + block - 1) / block, (source.Height + block - 1) / block);
        var sums = new long[reduced.Width * 4]; // per reduced pixel of a row: Σ r·a, Σ g·a, Σ b·a, Σ a
        for (var y = 0; y < reduced.Height; y++)
        {
            var rows = Math.Min(block, source.Height - (y * block));
            Array.Clear(sums);
            for (var r = 0; r < rows; r++)
            {
                var row = source.GetRowSpan((y * block) + r);
                for (var x = 0; x < source.Width; x++)
                {
                    var s = x / block * 4;
                    int a = row[(x * 4) + 3];
                    sums[s] += row[x * 4] * a;
                    sums[s + 1] += row[(x * 4) + 1] * a;
                    sums[s + 2] += row[(x * 4) + 2] * a;
                    sums[s + 3] += a;
                }
            }

            var output = reduced.GetRowSpan(y);
            for (var x = 0; x < reduced.Width; x++)
            {
                long pixels = rows * Math.Min(block, source.Width - (x * block));
                var alpha = sums[(x * 4) + 3];
                for (var c = 0; c < 3; c++)
                    output[(x * 4) + c] = alpha == 0 ? (byte)0 : (byte)((sums[(x * 4) + c] + (alpha / 2)) / alpha);
                output[(x * 4) + 3] = (byte)((alpha + (pixels / 2)) / pixels);
            }
        }

        return reduced;
    }

    /// <summary>An image of <paramref name="width"/> × <paramref name="height"/> (longest side over <paramref name="maxSide"/>) scaled to a longest side of at most <paramref name="maxSide"/>, both sides even.</summary>
    private static (int Width, int Height) ScaledSize(int width, int height, int maxSide)
    {
        var scale = (double)maxSide / Math.Max(width, height);
        return (Math.Max(2, (int)Math.Round(width * scale / 2) * 2), Math.Max(2, (int)Math.Round(height * scale / 2) * 2));
    }

    /// <summary>A copy of <paramref name="source"/> resampled (Mitchell cubic) to <paramref name="width"/> × <paramref name="height"/>, from frame to frame.</summary>
    private static unsafe Frame Resize(Frame source, int width, int height)
    {
        var resized = new Frame(width, height);
        try
        {
            fixed (byte* from = source.Buffer)
            fixed (byte* to = resized.Buffer)
            {
                using var sourcePixels = new SKPixmap(Rgba(source.Width, source.Height), (IntPtr)from, source.Stride);
                using var resizedPixels = new SKPixmap(Rgba(width, height), (IntPtr)to, resized.Stride);
                if (!sourcePixels.ScalePixels(resizedPixels, new SKSamplingOptions(SKCubicResampler.Mitchell)))
                    throw new InvalidOperationException("Skia could not resize the image.");
            }

            return resized;
        }
        catch
        {
            resized.Dispose();
            throw;
        }
    }

    /// <summary>Composites a straight-alpha frame over an opaque colour in place (video has no alpha).</summary>
    public static void FlattenAlpha(Frame frame, byte r = 255, byte g = 255, byte b = 255)
    {
        var px = frame.Pixels;
        for (var i = 0; i < px.Length; i += 4)
        {
            int a = px[i + 3];
            if (a == 255) continue;
            var ia = 255 - a;
            px[i] = (byte)((px[i] * a + r * ia + 127) / 255);
            px[i + 1] = (byte)((px[i + 1] * a + g * ia + 127) / 255);
            px[i + 2] = (byte)((px[i + 2] * a + b * ia + 127) / 255);
            px[i + 3] = 255;
        }
    }

    private static Frame Crop(Frame source, int width, int height)
    {
        var frame = new Frame(width, height);
        for (var y = 0; y < height; y++)
            source.GetRowSpan(y)[..frame.Stride].CopyTo(frame.GetRowSpan(y));
        return frame;
    }

    /// <summary>A copy of <paramref name="frame"/> turned clockwise by <paramref name="quarterTurns"/> quarter turns (1, 2 or 3).</summary>
    public static Frame Turned(Frame frame, int quarterTurns) => Orient(frame, quarterTurns switch
    {
        1 => SKEncodedOrigin.RightTop,
        2 => SKEncodedOrigin.BottomRight,
        3 => SKEncodedOrigin.LeftBottom,
        _ => throw new ArgumentOutOfRangeException(nameof(quarterTurns), quarterTurns, "1, 2 or 3 quarter turns."),
    });

    /// <summary>A copy of <paramref name="stored"/> turned upright as its EXIF orientation (not <see cref="SKEncodedOrigin.TopLeft"/>) says, drawn from frame to frame.</summary>
    private static unsafe Frame Orient(Frame stored, SKEncodedOrigin origin)
    {
        var upright = SwapsSides(origin) ? new Frame(stored.Height, stored.Width) : new Frame(stored.Width, stored.Height);
        try
        {
            fixed (byte* from = stored.Buffer)
            fixed (byte* to = upright.Buffer)
            {
                using var source = new SKBitmap();
                using var rotated = new SKBitmap();
                if (!source.InstallPixels(Rgba(stored.Width, stored.Height), (IntPtr)from, stored.Stride) ||
                    !rotated.InstallPixels(Rgba(upright.Width, upright.Height), (IntPtr)to, upright.Stride))
                    throw new InvalidOperationException("Skia could not take the image's pixels.");
                using var canvas = new SKCanvas(rotated);
                canvas.Clear(SKColors.Transparent);
                // Map stored pixel (x, y) to its display position, EXIF orientations 2..8 (w, h: stored size).
                float w = stored.Width, h = stored.Height;
                var m = origin switch
                {
                    SKEncodedOrigin.TopRight => new SKMatrix(-1, 0, w, 0, 1, 0, 0, 0, 1),      // mirror horizontally
                    SKEncodedOrigin.BottomRight => new SKMatrix(-1, 0, w, 0, -1, h, 0, 0, 1),  // rotate 180
                    SKEncodedOrigin.BottomLeft => new SKMatrix(1, 0, 0, 0, -1, h, 0, 0, 1),    // mirror vertically
                    SKEncodedOrigin.LeftTop => new SKMatrix(0, 1, 0, 1, 0, 0, 0, 0, 1),        // transpose
                    SKEncodedOrigin.RightTop => new SKMatrix(0, -1, h, 1, 0, 0, 0, 0, 1),      // rotate 90 clockwise
                    SKEncodedOrigin.RightBottom => new SKMatrix(0, -1, h, -1, 0, w, 0, 0, 1),  // transverse
                    SKEncodedOrigin.LeftBottom => new SKMatrix(0, 1, 0, -1, 0, w, 0, 0, 1),    // rotate 90 anticlockwise
                    _ => SKMatrix.Identity,
                };
                canvas.SetMatrix(m);
                using var paint = new SKPaint { BlendMode = SKBlendMode.Src };
                canvas.DrawBitmap(source, 0, 0, paint);
                canvas.Flush();
            }

            return upright;
        }
        catch
        {
            upright.Dispose();
            throw;
        }
    }
}
