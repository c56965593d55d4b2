using Parla.Face.Rig;

namespace Parla.Tests.Face.Rig;

public class FaceTopologyTests
{
    private static readonly FaceTopology Topology = FaceTopology.Load(TestModels.FaceMeshJs());

    [Fact]
    public void Load_ReadsGroupsWithTheirKnownEdgeCounts()
    {
        Assert.Equal(40, Topology.Groups["FACEMESH_LIPS"].Length);
        Assert.Equal(2556, Topology.Groups["FACEMESH_TESSELATION"].Length);
        Assert.Equal(16, Topology.Groups["FACEMESH_LEFT_EYE"].Length);
        Assert.Equal(16, Topology.Groups["FACEMESH_RIGHT_EYE"].Length);
        Assert.Equal(8, Topology.Groups["FACEMESH_LEFT_EYEBROW"].Length);
        Assert.Equal(36, Topology.Groups["FACEMESH_FACE_OVAL"].Length);
        Assert.Equal(4, Topology.Groups["FACEMESH_LEFT_IRIS"].Length);
        Assert.Equal(468, Topology.VertexCount);
    }

    [Fact]
    public void Contours_AreOrderedByImageSideAndSplitUpperLower()
    {
        // Landmarks every FaceMesh user knows: 13/14 inner lip middle (upper/lower), 0/17 outer lip
        // middle, 61/291 mouth corners, 33/133 the image-left eye's corners, 159/145 its lid middles.
        Assert.Equal(new[] { 78, 191, 80, 81, 82, 13, 312, 311, 310, 415, 308 }, Topology.InnerLips.Upper);
        Assert.Equal(new[] { 78, 95, 88, 178, 87, 14, 317, 402, 318, 324, 308 }, Topology.InnerLips.Lower);
        Assert.Equal(61, Topology.OuterLips.Upper[0]);
        Assert.Equal(291, Topology.OuterLips.Upper[^1]);
        Assert.Contains(0, Topology.OuterLips.Upper);
        Assert.Contains(17, Topology.OuterLips.Lower);
        Assert.Equal(33, Topology.ImageLeftEye.Upper[0]);
        Assert.Equal(133, Topology.ImageLeftEye.Upper[^1]);
        Assert.Contains(159, Topology.ImageLeftEye.Upper);
        Assert.Contains(145, Topology.ImageLeftEye.Lower);
        Assert.Equal(362, Topology.ImageRightEye.Upper[0]);
        Assert.Equal(263, Topology.ImageRightEye.Upper[^1]);
        Assert.Contains(386, Topology.ImageRightEye.Upper);
        Assert.Contains(374, Topology.ImageRightEye.Lower);
        Assert.Equal(new[] { 70, 63, 105, 66, 107 }, Topology.ImageLeftBrow.Upper);
        Assert.Equal(new[] { 46, 53, 52, 65, 55 }, Topology.ImageLeftBrow.Lower);
        Assert.Equal(new[] { 336, 296, 334, 293, 300 }, Topology.ImageRightBrow.Upper);
        Assert.Equal(36, Topology.FaceOval.Length);
        Assert.Equal(10, Topology.FaceOval[0]);
        Assert.Equal(20, Topology.InnerLips.Loop().Length);
    }
}
