using System.Numerics;
using Parla.Face;
using Parla.Media;

namespace Parla.Tests.Face;

public sealed class LandmarksOverlayTests
{
    [Fact]
    public void Render_DrawsBoxAndPointsOnTheImage()
    {
        using var image = new Frame(200, 100);
        image.Pixels.Fill(255); // white, opaque
        var points = Enumerable.Repeat(new Vector3(150, 50, 0), DetectedFace.LandmarkCount).ToArray();
        var face = new DetectedFace(0.9f, new BoxF(20, 20, 60, 60), points);

        var png = LandmarksOverlay.Render(image, [face]);
        using var decoded = ImageLoader.Decode(png, "overlay.png");

        Assert.Equal((200, 100), (decoded.Width, decoded.Height));
        var pointPixel = decoded.GetRowSpan(50).Slice(150 * 4, 4);
        Assert.True(pointPixel[0] > 200 && pointPixel[1] < 100, "a red dot at the landmark");
        var boxPixel = decoded.GetRowSpan(50).Slice(20 * 4, 4);
        Assert.True(boxPixel[1] > 200 && boxPixel[0] < 150, "a green box edge");
        var inside = decoded.GetRowSpan(50).Slice(50 * 4, 4);
        Assert.Equal(255, inside[0]); // the portrait itself is untouched
    }
}
