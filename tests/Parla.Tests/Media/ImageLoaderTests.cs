using Parla.Media;
using SkiaSharp;

namespace Parla.Tests.Media;

public sealed class ImageLoaderTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("parla-img-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    /// <summary>A JPEG (40×20 unless told): the left half red, the right half blue, with an EXIF orientation tag.</summary>
    private string WriteJpegWithOrientation(ushort orientation, int width = 40, int height = 20)
    {
        using var bitmap = new SKBitmap(width, height);
        using (var canvas = new SKCanvas(bitmap))
        {
            canvas.Clear(SKColors.Blue);
            canvas.DrawRect(0, 0, width / 2, height, new SKPaint { Color = SKColors.Red });
        }
        using var data = bitmap.Encode(SKEncodedImageFormat.Jpeg, 95);
        var path = Path.Combine(_dir, $"o{orientation}-{width}x{height}.jpg");
        File.WriteAllBytes(path, ExifJpeg.WithOrientation(data.ToArray(), orientation));
        return path;
    }

    private static bool IsRed(Frame f, int x, int y)
    {
        var row = f.GetRowSpan(y);
        return row[x * 4] > 180 && row[x * 4 + 2] < 80;
    }

    [Theory]
    [InlineData(1, 40, 20, 2, 10, true)]    // as stored: red on the left
    [InlineData(3, 40, 20, 2, 10, false)]   // rotated 180: red moves right
    [InlineData(6, 20, 40, 10, 2, true)]    // rotated 90° clockwise: the left half becomes the top
    [InlineData(8, 20, 40, 10, 37, true)]   // rotated 90° anticlockwise: the left half becomes the bottom
    [InlineData(2, 40, 20, 37, 10, true)]   // mirrored: red on the right
    public void Load_HonoursExifOrientation(ushort orientation, int width, int height, int x, int y, bool red)
    {
        using var frame = ImageLoader.Load(WriteJpegWithOrientation(orientation));
        Assert.Equal((width, height), (frame.Width, frame.Height));
        Assert.Equal(red, IsRed(frame, x, y));
    }

    [Fact]
    public void Load_MissingFile_NamesTheFile()
    {
        var path = Path.Combine(_dir, "nope.png");
        var e = Assert.Throws<InvalidInputException>(() => ImageLoader.Load(path));
        Assert.Contains(path, e.Message);
        Assert.Contains("not found", e.Message);
    }

    [Fact]
    public void Load_TextFile_IsNotAnImage()
    {
        var path = Path.Combine(_dir, "notes.png");
        File.WriteAllText(path, "this is not a picture");
        var e = Assert.Throws<InvalidInputException>(() => ImageLoader.Load(path));
        Assert.Contains("not an image", e.Message);
    }

    [Fact]
    public void Load_ATiffAHeicOrAVoice_SaysWhatItIs_AndHowToMakeAPortraitOfIt()
    {
        // A scan's TIFF, a phone's HEIC and a voice given where the portrait goes (the arguments swapped)
        // were all "not an image that can be decoded".
        var tiff = Path.Combine(_dir, "scan.tif");
        Ffmpeg.Run("-i", TestData.Portrait("grace_hopper.jpg"), tiff);
        var heic = Path.Combine(_dir, "photo.heic");
        File.WriteAllBytes(heic, [0, 0, 0, 24, .. "ftypheic"u8, 0, 0, 0, 0, .. "mif1heic"u8, 0, 0, 0, 0]);
        foreach (var (path, says, advice) in new[]
        {
            (tiff, "is a TIFF image", "ffmpeg -i 'scan.tif' portrait.png"),
            (heic, "is a HEIC/HEIF image", "heif-convert 'photo.heic' portrait.jpg"),
            (TestData.Voice("librivox_0880.wav"), "is a video or a sound file, not a still portrait (the portrait comes first, then the voice)", "-frames:v 1"),
        })
        {
            var e = Assert.Throws<InvalidInputException>(() => ImageLoader.Load(path));
            Assert.Contains(says, e.Message, StringComparison.Ordinal);
            Assert.Contains(advice, e.Message, StringComparison.Ordinal);
        }
    }

    [Fact]
    public void Load_TruncatedJpeg_IsRefused()
    {
        var full = File.ReadAllBytes(TestData.Portrait("grace_hopper.jpg"));
        var path = Path.Combine(_dir, "cut.jpg");
        File.WriteAllBytes(path, full.AsSpan(0, full.Length / 2).ToArray());
        var e = Assert.Throws<InvalidInputException>(() => ImageLoader.Load(path));
        Assert.Contains("truncated", e.Message);
    }

    [Fact]
    public void Load_APhotoTaggedDisplayP3_ComesOutInTheSrgbColoursItShows()
    {
        // A phone's photo is stored in Display P3 with its profile: the same colours in other numbers (a
        // saturated red is about (234, 51, 35) there). Read as if they were sRGB, the portrait came out
        // duller in the video; converted, it keeps its colours.
        var colours = new[] { new SKColor(230, 40, 30), new SKColor(40, 170, 60), new SKColor(210, 160, 130), new SKColor(128, 128, 128) };
        var p3 = SKColorSpace.CreateRgb(SKColorSpaceTransferFn.Srgb, SKColorSpaceXyz.DisplayP3);
        using var surface = SKSurface.Create(new SKImageInfo(40, 10, SKColorType.Rgba8888, SKAlphaType.Premul, p3));
        for (var i = 0; i < colours.Length; i++)
            surface.Canvas.DrawRect(i * 10, 0, 10, 10, new SKPaint { Color = colours[i] }); // sRGB colours, drawn into P3's numbers
        using var image = surface.Snapshot();
        using var png = image.Encode(SKEncodedImageFormat.Png, 100);
        var path = Path.Combine(_dir, "p3.png");
        File.WriteAllBytes(path, png.ToArray());

        using var frame = ImageLoader.Load(path);
        for (var i = 0; i < colours.Length; i++)
        {
            var px = frame.GetRowSpan(5).Slice(((i * 10) + 5) * 4, 3).ToArray();
            Assert.True(Math.Abs(px[0] - colours[i].Red) <= 2 && Math.Abs(px[1] - colours[i].Green) <= 2 && Math.Abs(px[2] - colours[i].Blue) <= 2,
                $"colour {i}: ({px[0]}, {px[1]}, {px[2]}) against ({colours[i].Red}, {colours[i].Green}, {colours[i].Blue})");
        }
    }

    [Fact]
    public void Load_KeepsAlpha_AndFlattenComposites()
    {
        using var frame = ImageLoader.Load(TestData.Portrait("sylvie_anime.png"));
        Assert.Equal((456, 700), (frame.Width, frame.Height));
        Assert.Equal(0, frame.GetRowSpan(0)[3]); // the sprite's corner is transparent
        ImageLoader.FlattenAlpha(frame);
        var corner = frame.GetRowSpan(0);
        Assert.Equal(new byte[] { 255, 255, 255, 255 }, corner[..4].ToArray());
    }

    [Theory]
    [InlineData(512, 512, 1024, 512, 512)]
    [InlineData(457, 701, 1024, 456, 700)]
    [InlineData(6000, 4000, 1024, 1024, 682)]
    public void FitForVideo_LimitsTheLongestSide_AndMakesSidesEven(int w, int h, int max, int ew, int eh)
    {
        using var source = new Frame(w, h);
        using var fitted = ImageLoader.FitForVideo(source, max);
        Assert.Equal((ew, eh), (fitted.Width, fitted.Height));
    }

    [Theory]
    [InlineData(64, 48, 64)]   // fits: the decoded frame itself
    [InlineData(65, 47, 128)]  // fits but odd: cropped to even sides
    [InlineData(200, 100, 64)] // too large: scaled
    public void LoadForVideo_GivesWhatFitForVideoGivesTheLoadedImage(int w, int h, int max)
    {
        using var drawn = new Frame(w, h);
        var pixels = drawn.Pixels;
        for (var i = 0; i < pixels.Length; i++) pixels[i] = (byte)(i * 7 % 251);
        var path = Path.Combine(_dir, $"p{w}x{h}.png");
        FrameIo.SavePng(drawn, path);

        using var loaded = ImageLoader.Load(path);
        using var expected = ImageLoader.FitForVideo(loaded, max);
        using var fitted = ImageLoader.LoadForVideo(path, max, out var originalWidth);
        Assert.Equal(w, originalWidth);
        Assert.Equal((expected.Width, expected.Height), (fitted.Width, fitted.Height));
        Assert.True(expected.Pixels.SequenceEqual(fitted.Pixels));
    }

    [Theory]
    [InlineData(1)]
    [InlineData(6)]
    public void LoadForVideo_ALargeJpeg_IsDecodedSmaller_AndComesOutAsTheFullDecodeWould(ushort orientation)
    {
        // 3200×1600 stored, for a 512-pixel video: decoded at a quarter (800×400, the smallest eighth
        // at least 512 long) instead of whole (20 MB of pixels, twice with the rotation), then resampled to
        // the size the full decode gives.
        var path = WriteJpegWithOrientation(orientation, 3200, 1600);
        using var loaded = ImageLoader.Load(path);
        using var expected = ImageLoader.FitForVideo(loaded, 512);

        var before = GC.GetAllocatedBytesForCurrentThread();
        using var fitted = ImageLoader.LoadForVideo(path, 512, out var originalWidth);
        var allocated = GC.GetAllocatedBytesForCurrentThread() - before;

        Assert.Equal(loaded.Width, originalWidth);
        Assert.Equal((expected.Width, expected.Height), (fitted.Width, fitted.Height));
        Assert.InRange(allocated, 0, 3200L * 1600 * 4 / 4);
        // The same picture: red on the left as stored (on top once turned upright), within a few levels.
        Assert.True(IsRed(fitted, orientation == 1 ? 20 : fitted.Width / 2, orientation == 1 ? fitted.Height / 2 : 20));
        var difference = 0L;
        var a = expected.Pixels;
        var b = fitted.Pixels;
        for (var i = 0; i < a.Length; i++) difference += Math.Abs(a[i] - b[i]);
        Assert.InRange((double)difference / a.Length, 0, 2.0);
    }

    [Theory]
    [InlineData(2048, 512)]  // by 4: blocks of 4 averaged, nothing left to resample
    [InlineData(2400, 512)]  // by 4.7: blocks of 4, then the cubic resampling by 1.17
    public void FitForVideo_ReducingByMoreThanTwo_DoesNotAlias(int side, int max)
    {
        // Stripes one pixel wide, black and white: reduced by more than 2, every pixel must come out the
        // grey they average to. The cubic resampling alone turns them into bands of light and dark.
        using var stripes = new Frame(side, side);
        for (var y = 0; y < side; y++)
        {
            var row = stripes.GetRowSpan(y);
            for (var x = 0; x < side; x++)
            {
                row.Slice(x * 4, 3).Fill(x % 2 == 0 ? (byte)0 : (byte)255);
                row[(x * 4) + 3] = 255;
            }
        }

        using var fitted = ImageLoader.FitForVideo(stripes, max);
        Assert.Equal((max, max), (fitted.Width, fitted.Height));
        var pixels = fitted.Pixels;
        for (var i = 0; i < pixels.Length; i += 4)
        {
            Assert.InRange(pixels[i], 120, 136);
            Assert.Equal(255, pixels[i + 3]);
        }
    }
}
