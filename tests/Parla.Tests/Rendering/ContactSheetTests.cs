using Parla.Media;
using Parla.Motion;
using Parla.Rendering;

namespace Parla.Tests.Rendering;

/// <summary>Renders the look-at-it poses of both portraits into one contact sheet (test-output/render_sheet.png).</summary>
public class ContactSheetTests
{
    public static readonly (string Name, FaceState State)[] Poses =
    [
        ("neutral", default),
        ("jaw 0.8", new FaceState { JawOpen = 0.8f }),
        ("blink 1", new FaceState { BlinkLeft = 1, BlinkRight = 1 }),
        ("roll 6", new FaceState { HeadRollDegrees = 6 }),
        ("yaw 8", new FaceState { HeadYawDegrees = 8 }),
        ("round 1", new FaceState { LipRound = 1, JawOpen = 0.25f }),
        ("brow 1", new FaceState { BrowRaise = 1 }),
        ("smile", new FaceState { LipWidth = 1, JawOpen = 0.3f }),
    ];

    [Fact]
    public void ContactSheet_RendersEveryPoseOfBothPortraits()
    {
        const int cell = 256;
        using var sheet = new Frame(cell * Poses.Length, cell * RenderFixture.Names.Length);
        for (var row = 0; row < RenderFixture.Names.Length; row++)
        {
            var (image, rig) = RenderFixture.Get(RenderFixture.Names[row]);
            using var renderer = new FaceRenderer(image, rig);
            using var frame = new Frame(image.Width, image.Height);
            // Crop around the face: 2.2 face heights square.
            var f = rig.Frame;
            var side = (int)Math.Min(Math.Min(image.Width, image.Height), 1.5f * f.FaceHeightPixels);
            var cx = (int)Math.Clamp(f.Origin.X - side / 2f, 0, image.Width - side);
            var cy = (int)Math.Clamp(f.Origin.Y + 0.3f * f.FaceHeightPixels - side / 2f, 0, image.Height - side);
            for (var col = 0; col < Poses.Length; col++)
            {
                renderer.Render(Poses[col].State, frame);
                Blit(frame, cx, cy, side, sheet, col * cell, row * cell, cell);
            }
        }
        var path = Path.Combine(TestData.OutputDirectory(), "render_sheet.png");
        FrameIo.SavePng(sheet, path);
        Assert.True(File.Exists(path));
    }

    private static void Blit(Frame src, int sx, int sy, int side, Frame dst, int dx, int dy, int cell)
    {
        // Nearest-neighbour scale of a side×side crop into a cell: enough for looking.
        for (var y = 0; y < cell; y++)
        {
            var row = dst.GetRowSpan(dy + y);
            var srow = src.GetRowSpan(Math.Min(src.Height - 1, sy + y * side / cell));
            for (var x = 0; x < cell; x++)
            {
                var s = Math.Min(src.Width - 1, sx + x * side / cell) * 4;
                srow.Slice(s, 4).CopyTo(row.Slice((dx + x) * 4, 4));
            }
        }
    }
}
