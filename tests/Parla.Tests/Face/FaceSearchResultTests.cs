using System.Numerics;
using Parla.Face;

namespace Parla.Tests.Face;

public sealed class FaceSearchResultTests
{
    private static DetectedFace Face(float score, float presence, float width) =>
        new(score, new BoxF(0, 0, width, width), new Vector3[DetectedFace.LandmarkCount]) { Presence = presence };

    [Fact]
    public void NoFace_SaysSoAndHowToGiveLandmarks()
    {
        var result = new FaceSearchResult([], 0.6f, 0.8f);
        Assert.Equal(FaceSearchOutcome.NotFound, result.Outcome);
        var message = result.Describe("photo.jpg");
        Assert.StartsWith("No face found in photo.jpg. Give landmarks with --landmarks FILE", message);
        Assert.Contains("parla landmarks --json", message);
        Assert.Contains("{\"points5\": [[x,y] left eye centre, right eye centre, nose tip, left mouth corner, right mouth corner]}", message);
        Assert.Equal(message, Assert.Throws<NoFaceException>(() => result.Require("photo.jpg")).Message);
    }

    [Fact]
    public void LowScore_IsUncertain_WithTheScore()
    {
        var result = new FaceSearchResult([Face(0.55f, 0.99f, 100)], 0.6f, 0.8f);
        Assert.True(result.IsUncertain);
        Assert.StartsWith("The face found in photo.jpg is uncertain (score 0.55). Give landmarks", result.Describe("photo.jpg"));
        Assert.Throws<NoFaceException>(() => result.Require("photo.jpg"));
        Assert.Same(result.Faces[0], result.Require("photo.jpg", acceptUncertain: true));
    }

    [Fact]
    public void LowPresence_IsUncertain_WithThePresence()
    {
        var result = new FaceSearchResult([Face(0.9f, 0.6f, 100)], 0.6f, 0.8f);
        Assert.Equal(FaceSearchOutcome.Uncertain, result.Outcome);
        Assert.Contains("uncertain (mesh presence 0.60)", result.Describe("photo.jpg"));
    }

    [Fact]
    public void Index_PicksAFace_AndOutOfRangeSaysHowManyThereAre()
    {
        var result = new FaceSearchResult([Face(0.9f, 1, 200), Face(0.5f, 1, 100)], 0.6f, 0.8f);
        Assert.Equal(FaceSearchOutcome.Found, result.Outcome);
        Assert.Equal(FaceSearchOutcome.Uncertain, result.OutcomeOf(1));
        Assert.Equal("Found 2 faces in group.jpg; using face 0 (score 0.90).", result.Describe("group.jpg"));
        Assert.StartsWith("Face 1 of the 2 faces found in group.jpg is uncertain (score 0.50).", result.Describe("group.jpg", 1));
        Assert.StartsWith("There is no face 2 in group.jpg: 2 faces found, numbered 0–1.", result.Describe("group.jpg", 2));
        Assert.Throws<NoFaceException>(() => result.Require("group.jpg", 2));
    }

    [Fact]
    public void LargerUnfittedDetection_IsNamed_InTheUsersPixels_SmallerOnesAreNot()
    {
        var larger = Face(0.73f, 0.11f, 60) with { Box = new BoxF(100, 100, 60, 60) };
        var smaller = Face(0.9f, 0.2f, 40);
        var result = new FaceSearchResult([Face(0.9f, 1, 30)], 0.6f, 0.8f, unfitted: [larger, smaller]);
        var note = result.LargerUnfitted("p.png", toImagePixels: 2);
        Assert.StartsWith(
            "p.png also shows a larger face-like region centred at (260, 260), 120 px wide (detector score 0.73), that the face mesh cannot fit " +
            "(presence 0.11); the face animated is the one centred at (30, 30), 60 px wide. To animate the larger one, check these five points",
            note);
        Assert.EndsWith("pass it with --landmarks: {\"points5\": [[0.0, 0.0], [0.0, 0.0], [0.0, 0.0], [0.0, 0.0], [0.0, 0.0]]}", note);
        Assert.Null(new FaceSearchResult([Face(0.9f, 1, 30)], 0.6f, 0.8f, unfitted: [smaller]).LargerUnfitted("p.png"));
        Assert.Null(new FaceSearchResult([], 0.6f, 0.8f, unfitted: [larger]).LargerUnfitted("p.png"));
    }
}
