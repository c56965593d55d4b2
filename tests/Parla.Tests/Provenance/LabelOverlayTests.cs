using Parla.Media;
using Parla.Provenance;

namespace Parla.Tests.Provenance;

public sealed class LabelOverlayTests
{
    [Fact]
    public void Apply_DrawsWhiteTextOnADarkBox_InTheBottomRightCorner()
    {
        using var frame = new Frame(512, 512);
        frame.Pixels.Fill(200);
        var label = new LabelOverlay(new LabelOptions(), 512, 512);
        label.Apply(frame);

        var (x, y, w, h) = label.Bounds;
        Assert.True(x > 256 && y > 400 && x + w < 512 && y + h < 512, $"label at {label.Bounds}");
        int dark = 0, bright = 0;
        for (var row = y; row < y + h; row++)
        {
            var span = frame.GetRowSpan(row);
            for (var col = x; col < x + w; col++)
            {
                if (span[col * 4] < 120) dark++;
                if (span[col * 4] > 230) bright++;
            }
        }
        Assert.True(dark > w * h / 3, "the translucent dark box darkens the grey background");
        Assert.True(bright > 30, "white glyph pixels");
        Assert.Equal(200, frame.GetRowSpan(10)[40]); // the rest of the frame is untouched
    }

    [Theory]
    [InlineData(256, 11, 14)]   // never below the 11 px minimum: legible on small videos
    [InlineData(512, 20, 26)]
    [InlineData(2160, 80, 95)]  // 4% of the height at 4K
    public void TextHeight_ScalesWithTheVideoHeight(int height, int minBox, int maxBox)
    {
        var label = new LabelOverlay(new LabelOptions(), height * 16 / 9 & ~1, height);
        // The box is the text height plus half a text height of padding: 1.2–1.5× the text size.
        Assert.InRange(label.PatchHeight, minBox * 1.1, maxBox * 1.6);
    }

    [Fact]
    public void Position_AndText_AreConfigurable()
    {
        var longer = new LabelOverlay(new LabelOptions { Text = "Synthetic video — made with AI", Position = LabelPosition.TopLeft }, 640, 360);
        var standard = new LabelOverlay(new LabelOptions(), 640, 360);
        Assert.True(longer.PatchWidth > standard.PatchWidth);
        Assert.True(longer.Bounds.X < 40 && longer.Bounds.Y < 40);
    }

    [Fact]
    public void Options_ReportEveryProblemTogether()
    {
        var errors = new LabelOptions { Text = " ", TextHeightFraction = 2, TypefacePath = "/nonexistent/font.ttf" }.Validate();
        Assert.Equal(3, errors.Count);
        Assert.Throws<ArgumentException>(() => new LabelOverlay(new LabelOptions { Text = "" }, 256, 256));
    }

    [Fact]
    public void UnreadableFontFile_NamesTheProblem()
    {
        var notAFont = Path.GetTempFileName();
        try
        {
            File.WriteAllText(notAFont, "not a font");
            var e = Assert.Throws<ToolException>(() => new LabelOverlay(new LabelOptions { TypefacePath = notAFont }, 256, 256));
            Assert.Contains(notAFont, e.Message);
        }
        finally
        {
            File.Delete(notAFont);
        }
    }

    [Fact]
    public void DefaultTypeface_HasGlyphs()
    {
        using var typeface = LabelOverlay.LoadTypeface(null);
        Assert.True(typeface.GlyphCount > 0, $"install {LabelOverlay.FontPackage}");
    }
}
