using Parla.Media;

namespace Parla.Tests;

/// <summary>
/// Image similarity for tests: mean SSIM on luma (Wang, Bovik, Sheikh &amp; Simoncelli, "Image quality
/// assessment: from error visibility to structural similarity", IEEE TIP 2004) and PSNR on RGB.
/// </summary>
internal static class ImageComparison
{
    // The paper's parameters: an 11×11 circular-symmetric Gaussian window with σ = 1.5 (normalised to
    // sum 1), K1 = 0.01, K2 = 0.03 and dynamic range L = 255.
    private const int Radius = 5;
    private const double Sigma = 1.5;
    private const double C1 = 0.01 * 255 * (0.01 * 255);
    private const double C2 = 0.03 * 255 * (0.03 * 255);
    private static readonly double[] Kernel = GaussianKernel();

    /// <summary>
    /// Mean SSIM of the luma of two same-sized frames, over every 11×11 window that lies wholly inside
    /// them (no padding, as in the paper's reference code). 1 for identical images; alpha is ignored.
    /// </summary>
    public static double Ssim(Frame a, Frame b)
    {
        var map = SsimMap(a, b, out _, out _);
        return map.Average();
    }

    /// <summary>
    /// The lowest mean SSIM over <paramref name="tile"/>×<paramref name="tile"/> blocks of the SSIM map
    /// (edge blocks may be smaller): a local change, such as one eye, that the whole-image mean dilutes.
    /// </summary>
    public static double WorstTileSsim(Frame a, Frame b, int tile)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(tile, 1);
        var map = SsimMap(a, b, out var w, out var h);
        var worst = double.PositiveInfinity;
        for (var ty = 0; ty < h; ty += tile)
        {
            for (var tx = 0; tx < w; tx += tile)
            {
                double sum = 0;
                int count = 0;
                for (var y = ty; y < Math.Min(ty + tile, h); y++)
                {
                    for (var x = tx; x < Math.Min(tx + tile, w); x++, count++) sum += map[y * w + x];
                }
                worst = Math.Min(worst, sum / count);
            }
        }
        return worst;
    }

    /// <summary>The SSIM of every valid 11×11 window: <paramref name="width"/> = w − 10 by <paramref name="height"/> = h − 10.</summary>
    private static double[] SsimMap(Frame a, Frame b, out int width, out int height)
    {
        CheckSameSize(a, b);
        int w = a.Width, h = a.Height, size = 2 * Radius + 1;
        if (w < size || h < size)
            throw new ArgumentException($"SSIM needs at least {size}x{size} pixels; the images are {w}x{h}.");

        var x = Luma(a);
        var y = Luma(b);
        var n = w * h;
        var xx = new double[n];
        var yy = new double[n];
        var xy = new double[n];
        for (var i = 0; i < n; i++)
        {
            xx[i] = x[i] * x[i];
            yy[i] = y[i] * y[i];
            xy[i] = x[i] * y[i];
        }

        width = w - 2 * Radius;
        height = h - 2 * Radius;
        var muX = FilterValid(x, w, h);
        var muY = FilterValid(y, w, h);
        var eXX = FilterValid(xx, w, h);
        var eYY = FilterValid(yy, w, h);
        var eXY = FilterValid(xy, w, h);

        var map = new double[width * height];
        for (var i = 0; i < map.Length; i++)
        {
            double mx = muX[i], my = muY[i];
            // Population (weighted) variances and covariance: E[x²] − μ², as the paper defines them.
            double sxx = eXX[i] - mx * mx, syy = eYY[i] - my * my, sxy = eXY[i] - mx * my;
            map[i] = (2 * mx * my + C1) * (2 * sxy + C2) / ((mx * mx + my * my + C1) * (sxx + syy + C2));
        }
        return map;
    }

    /// <summary>Peak signal-to-noise ratio in dB over the R, G and B channels (peak 255); +∞ for identical images.</summary>
    public static double Psnr(Frame a, Frame b)
    {
        CheckSameSize(a, b);
        ReadOnlySpan<byte> pa = a.Pixels, pb = b.Pixels;
        long squared = 0;
        for (var i = 0; i < pa.Length; i += Frame.BytesPerPixel)
        {
            for (var c = 0; c < 3; c++)
            {
                var d = pa[i + c] - pb[i + c];
                squared += d * d;
            }
        }
        if (squared == 0) return double.PositiveInfinity;
        var mse = squared / (3.0 * a.Width * a.Height);
        return 10 * Math.Log10(255.0 * 255.0 / mse);
    }

    /// <summary>An opaque frame of |a − b| per channel times <paramref name="gain"/> (clamped): black where they agree.</summary>
    public static Frame Difference(Frame a, Frame b, int gain = 8)
    {
        CheckSameSize(a, b);
        var diff = new Frame(a.Width, a.Height);
        ReadOnlySpan<byte> pa = a.Pixels, pb = b.Pixels;
        var pd = diff.Pixels;
        for (var i = 0; i < pa.Length; i += Frame.BytesPerPixel)
        {
            for (var c = 0; c < 3; c++)
                pd[i + c] = (byte)Math.Min(255, Math.Abs(pa[i + c] - pb[i + c]) * gain);
            pd[i + 3] = 255;
        }
        return diff;
    }

    /// <summary>A copy of the <paramref name="region"/> of <paramref name="frame"/> (which must lie inside it).</summary>
    public static Frame Crop(Frame frame, PixelRect region)
    {
        if (region.IsEmpty || region != region.ClampTo(frame.Width, frame.Height))
            throw new ArgumentException($"{region} is empty or not inside the {frame.Width}x{frame.Height} frame.", nameof(region));
        var crop = new Frame(region.Width, region.Height);
        for (var y = 0; y < region.Height; y++)
        {
            frame.GetRowSpan(region.Y + y).Slice(region.X * Frame.BytesPerPixel, region.Width * Frame.BytesPerPixel)
                .CopyTo(crop.GetRowSpan(y));
        }
        return crop;
    }

    /// <summary>Half the size in each direction (odd last row/column dropped), each pixel the rounded mean of a 2×2 block.</summary>
    public static Frame Downscale2x(Frame frame)
    {
        ArgumentNullException.ThrowIfNull(frame);
        var half = new Frame(frame.Width / 2, frame.Height / 2);
        for (var y = 0; y < half.Height; y++)
        {
            ReadOnlySpan<byte> r0 = frame.GetRowSpan(2 * y), r1 = frame.GetRowSpan(2 * y + 1);
            var dst = half.GetRowSpan(y);
            for (var i = 0; i < dst.Length; i++)
            {
                int x = i / 4 * 8 + i % 4;
                dst[i] = (byte)((r0[x] + r0[x + 4] + r1[x] + r1[x + 4] + 2) >> 2);
            }
        }
        return half;
    }

    /// <summary>Rec. 601 luma (0.299 R + 0.587 G + 0.114 B), the grey that SSIM was defined and tested on.</summary>
    private static double[] Luma(Frame frame)
    {
        ReadOnlySpan<byte> p = frame.Pixels;
        var luma = new double[frame.Width * frame.Height];
        for (var i = 0; i < luma.Length; i++)
            luma[i] = 0.299 * p[4 * i] + 0.587 * p[4 * i + 1] + 0.114 * p[4 * i + 2];
        return luma;
    }

    /// <summary>Separable Gaussian filter keeping only outputs whose window lies inside the image: (w − 10) × (h − 10).</summary>
    private static double[] FilterValid(double[] src, int w, int h)
    {
        int ow = w - 2 * Radius, oh = h - 2 * Radius;
        var rows = new double[ow * h];
        for (var y = 0; y < h; y++)
        {
            for (var x = 0; x < ow; x++)
            {
                var s = 0.0;
                for (var k = 0; k < Kernel.Length; k++) s += Kernel[k] * src[y * w + x + k];
                rows[y * ow + x] = s;
            }
        }
        var dst = new double[ow * oh];
        for (var y = 0; y < oh; y++)
        {
            for (var x = 0; x < ow; x++)
            {
                var s = 0.0;
                for (var k = 0; k < Kernel.Length; k++) s += Kernel[k] * rows[(y + k) * ow + x];
                dst[y * ow + x] = s;
            }
        }
        return dst;
    }

    private static double[] GaussianKernel()
    {
        var k = new double[2 * Radius + 1];
        var sum = 0.0;
        for (var i = 0; i < k.Length; i++)
        {
            var d = i - Radius;
            sum += k[i] = Math.Exp(-d * d / (2 * Sigma * Sigma));
        }
        for (var i = 0; i < k.Length; i++) k[i] /= sum;
        return k;
    }

    private static void CheckSameSize(Frame a, Frame b)
    {
        ArgumentNullException.ThrowIfNull(a);
        ArgumentNullException.ThrowIfNull(b);
        if (a.Width != b.Width || a.Height != b.Height)
            throw new ArgumentException($"The images differ in size: {a.Width}x{a.Height} vs {b.Width}x{b.Height}.");
    }
}
