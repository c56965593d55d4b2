using Parla.Face;
using Parla.Media;
using Parla.Pipeline;

namespace Parla.Tests.Pipeline;

/// <summary>A portrait on its side or upside down is named as such, with the way to turn it, instead of a mouth painted where the detector guessed.</summary>
public sealed class TurnedPortraitTests
{
    [Theory]
    [InlineData(2, "upside down", "half a turn")]
    [InlineData(1, "on its side", "a quarter turn anticlockwise")]
    [InlineData(3, "on its side", "a quarter turn clockwise")]
    public void Load_OfAPortraitTurned_SaysWhichWayToTurnItUpright(int quarterTurnsClockwise, string looks, string turn)
    {
        // Sylvie is found upright; turned, the detector finds nothing sure in her (or an uncertain guess).
        using var upright = TestData.LoadImage("sylvie_anime.png");
        using var turned = ImageLoader.Turned(upright, quarterTurnsClockwise);
        var path = Path.Combine(Path.GetTempPath(), $"parla-turned-{Guid.NewGuid():N}.png");
        FrameIo.SavePng(turned, path);
        try
        {
            var e = Assert.Throws<NoFaceException>(() => RiggedPortrait.Load(path, new PortraitOptions(), new FaceModelStore()));
            Assert.Contains($"looks {looks}", e.Message);
            Assert.Contains($"turned {turn} it shows a face", e.Message);
        }
        finally
        {
            File.Delete(path);
        }
    }
}
