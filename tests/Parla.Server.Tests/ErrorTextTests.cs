using Microsoft.AspNetCore.Http;
using Parla.Server.Api;

namespace Parla.Server.Tests;

/// <summary>Which HTTP status a failure gets: the request's fault, or the server's own condition.</summary>
public sealed class ErrorTextTests
{
    [Fact]
    public void The_servers_own_disk_and_a_failed_encoder_are_the_servers_conditions_and_a_missing_program_is_unavailability()
    {
        var full = Parla.Media.OutputFile.DiskFull("/data/jobs/1/video.mp4", "the video (after 12 frames)");
        Assert.Equal(StatusCodes.Status507InsufficientStorage, ErrorText.Describe(full).Status);
        Assert.Equal(StatusCodes.Status500InternalServerError, ErrorText.Describe(new ToolException("Encoding failed.", missing: false)).Status);
        Assert.Equal(StatusCodes.Status503ServiceUnavailable, ErrorText.Describe(new ToolException("ffmpeg was not found on PATH.")).Status);
        Assert.Equal(StatusCodes.Status422UnprocessableEntity, ErrorText.Describe(new OutputException("/data/x.mp4", "is a folder.")).Status);
    }
}
