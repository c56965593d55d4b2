using Parla.Media;

namespace Parla.Tests;

public class ImageComparisonTests
{
    [Fact]
    public void Ssim_IdenticalImages_IsExactlyOne()
    {
        using var a = Texture(64, 48, seed: 1);
        using var b = a.Clone();
        Assert.Equal(1.0, ImageComparison.Ssim(a, b), 12);
    }

    [Fact]
    public void Ssim_FlatImages_MatchesTheLuminanceTermInClosedForm()
    {
        // Flat windows have σx = σy = σxy = 0, so SSIM reduces to (2μxμy + C1) / (μx² + μy² + C1) with
        // C1 = (0.01 · 255)²: for greys 100 and 110 that is 22006.5025 / 22106.5025.
        using var a = Flat(32, 32, 100);
        using var b = Flat(32, 32, 110);
        Assert.Equal(0.9954764440915066, ImageComparison.Ssim(a, b), 9);
    }

    [Fact]
    public void Ssim_ShiftedOrNoisedImage_ScoresLowerTheMoreItChanges()
    {
        using var a = Texture(96, 80, seed: 2);
        using var shifted = Shift(a, 1);
        using var lightNoise = Noise(a, amplitude: 4, seed: 3);
        using var heavyNoise = Noise(a, amplitude: 32, seed: 3);

        var sShift = ImageComparison.Ssim(a, shifted);
        var sLight = ImageComparison.Ssim(a, lightNoise);
        var sHeavy = ImageComparison.Ssim(a, heavyNoise);
        Assert.InRange(sShift, 0.0, 0.98);
        Assert.InRange(sLight, 0.9, 0.9999);
        Assert.InRange(sHeavy, 0.0, sLight - 0.1);
        // Symmetric in its arguments.
        Assert.Equal(sShift, ImageComparison.Ssim(shifted, a), 12);
    }

    [Fact]
    public void WorstTileSsim_FindsALocalChangeTheMeanDilutes()
    {
        using var a = Texture(128, 128, seed: 5);
        using var b = a.Clone();
        for (var y = 20; y < 36; y++) b.GetRowSpan(y).Slice(20 * 4, 16 * 4).Fill(128); // one flat 16×16 patch
        var mean = ImageComparison.Ssim(a, b);
        var worst = ImageComparison.WorstTileSsim(a, b, 16);
        Assert.InRange(mean, 0.9, 0.99);
        Assert.InRange(worst, -1.0, 0.7); // the patch straddles map blocks (the map starts 5 px in), so no block is all patch
        Assert.Equal(1.0, ImageComparison.WorstTileSsim(a, a.Clone(), 16), 12);
    }

    [Fact]
    public void Downscale2x_AveragesEachBlockWithRounding()
    {
        using var a = Flat(5, 4, 0);
        a.GetRowSpan(0)[0] = 1;
        a.GetRowSpan(0)[4] = 2;
        a.GetRowSpan(1)[0] = 2; // block (0,0) red: (1 + 2 + 2 + 0 + 2) / 4 → 1
        a.GetRowSpan(3)[12] = 255; // block (1,1) red: (255 + 2) / 4 → 64
        using var half = ImageComparison.Downscale2x(a);
        Assert.Equal((2, 2), (half.Width, half.Height));
        Assert.Equal(1, half.GetRowSpan(0)[0]);
        Assert.Equal(64, half.GetRowSpan(1)[4]);
        Assert.Equal(255, half.GetRowSpan(1)[7]);
    }

    [Fact]
    public void Ssim_DifferentSizesOrTooSmall_Throws()
    {
        using var a = Flat(16, 16, 0);
        using var b = Flat(16, 17, 0);
        using var tiny = Flat(10, 16, 0);
        Assert.Throws<ArgumentException>(() => ImageComparison.Ssim(a, b));
        Assert.Throws<ArgumentException>(() => ImageComparison.Ssim(tiny, tiny));
    }

    [Theory]
    [InlineData(1, 48.1308036086791)] // 20 · log10(255 / 1)
    [InlineData(16, 24.04840395556061)] // 20 · log10(255 / 16)
    public void Psnr_UniformOffset_Is20Log10OfPeakOverOffset(int offset, double expectedDb)
    {
        using var a = Flat(8, 8, 100);
        using var b = Flat(8, 8, (byte)(100 + offset));
        Assert.Equal(expectedDb, ImageComparison.Psnr(a, b), 9);
        Assert.Equal(double.PositiveInfinity, ImageComparison.Psnr(a, a));
    }

    [Fact]
    public void Difference_IsBlackWhereTheImagesAgreeAndScaledWhereTheyDiffer()
    {
        using var a = Flat(4, 4, 100);
        using var b = a.Clone();
        b.Pixels[0] = 103; // red of pixel (0,0)
        using var diff = ImageComparison.Difference(a, b, gain: 8);
        Assert.Equal(new byte[] { 24, 0, 0, 255 }, diff.Pixels[..4].ToArray());
        Assert.Equal(new byte[] { 0, 0, 0, 255 }, diff.Pixels[4..8].ToArray());
    }

    [Fact]
    public void Crop_CopiesTheRegion()
    {
        using var a = Texture(20, 10, seed: 4);
        using var crop = ImageComparison.Crop(a, new PixelRect(3, 2, 5, 4));
        Assert.Equal((5, 4), (crop.Width, crop.Height));
        Assert.True(crop.GetRowSpan(1).SequenceEqual(a.GetRowSpan(3).Slice(3 * 4, 5 * 4)));
        Assert.Throws<ArgumentException>(() => ImageComparison.Crop(a, new PixelRect(18, 0, 5, 4)));
    }

    private static Frame Flat(int w, int h, byte grey)
    {
        var f = new Frame(w, h);
        var p = f.Pixels;
        for (var i = 0; i < p.Length; i += 4)
        {
            p[i] = p[i + 1] = p[i + 2] = grey;
            p[i + 3] = 255;
        }
        return f;
    }

    /// <summary>Smooth structure (crossed sinusoids, a few pixels per period) that a one-pixel shift visibly changes.</summary>
    private static Frame Texture(int w, int h, int seed)
    {
        var f = new Frame(w, h);
        var phase = seed * 0.7;
        for (var y = 0; y < h; y++)
        {
            var row = f.GetRowSpan(y);
            for (var x = 0; x < w; x++)
            {
                var v = 128 + 60 * Math.Sin(x * 0.9 + phase) + 50 * Math.Cos(y * 0.6 - phase) + 10 * Math.Sin((x + y) * 0.25);
                var g = (byte)Math.Clamp(Math.Round(v), 0, 255);
                row[4 * x] = g;
                row[4 * x + 1] = (byte)(255 - g);
                row[4 * x + 2] = (byte)(g / 2);
                row[4 * x + 3] = 255;
            }
        }
        return f;
    }

    private static Frame Shift(Frame a, int dx)
    {
        var f = new Frame(a.Width, a.Height);
        for (var y = 0; y < a.Height; y++)
        {
            var src = a.GetRowSpan(y);
            var dst = f.GetRowSpan(y);
            src[..((a.Width - dx) * 4)].CopyTo(dst[(dx * 4)..]);
            src[..(dx * 4)].CopyTo(dst);
        }
        return f;
    }

    private static Frame Noise(Frame a, int amplitude, int seed)
    {
        var f = a.Clone();
        var random = new Random(seed);
        var p = f.Pixels;
        for (var i = 0; i < p.Length; i += 4)
        {
            for (var c = 0; c < 3; c++)
                p[i + c] = (byte)Math.Clamp(p[i + c] + random.Next(-amplitude, amplitude + 1), 0, 255);
        }
        return f;
    }
}
