using Parla.Media;

namespace Parla.Tests.Media;

public sealed class VideoEncoderTests
{
    [Fact]
    public void BuildArguments_Faststart_AndYuv420()
    {
        var args = VideoEncoder.BuildArguments(new VideoEncoderOptions
        {
            OutputPath = "out.mp4",
            Width = 512,
            Height = 256,
            FramesPerSecond = 29.97,
            AudioPath = "voice.wav",
        }, "tmp.mp4");
        var line = string.Join(' ', args);
        Assert.Contains("-s 512x256", line);
        Assert.Contains("-framerate 29.97 ", line);
        Assert.Contains("-pix_fmt yuv420p", line);
        Assert.Contains("-c:a aac", line);
        Assert.Contains("-movflags +faststart", line);
        // About 6 MB of frames read ahead of the encoder: ffmpeg's own 8 at this size.
        Assert.Contains("-thread_queue_size 8 -i pipe:0", line);
        Assert.Equal(2, VideoEncoder.FramesQueued(1920, 1080));
        Assert.Equal(8, VideoEncoder.FramesQueued(512, 512));
        Assert.Equal(2, VideoEncoder.FramesQueued(3840, 2160));
        Assert.Equal("tmp.mp4", args[^1]);
    }

    [Theory]
    [InlineData(1, "-b:a 128k -ac 1")]
    [InlineData(2, "-b:a 192k -ac 2")]
    [InlineData(6, "-b:a 192k -ac 2")]
    public void BuildArguments_KeepAStereoVoiceStereo_AndMixMoreChannelsDownToTwo(int channels, string expected)
    {
        var line = string.Join(' ', VideoEncoder.BuildArguments(new VideoEncoderOptions
        {
            OutputPath = "out.mp4",
            Width = 64,
            Height = 64,
            AudioPath = "voice.wav",
            AudioChannels = channels,
        }, "tmp.mp4"));
        Assert.Contains(expected, line);
    }

    [Fact]
    public void Dispose_WithoutComplete_LeavesNoFile()
    {
        var dir = Directory.CreateTempSubdirectory("parla-enc-").FullName;
        try
        {
            var output = Path.Combine(dir, "never.mp4");
            using (var encoder = new VideoEncoder(new VideoEncoderOptions { OutputPath = output, Width = 64, Height = 64 }))
            {
                using var frame = new Frame(64, 64);
                encoder.Write(frame);
            }
            Assert.Empty(Directory.GetFiles(dir));
        }
        finally
        {
            Directory.Delete(dir, true);
        }
    }

    [Fact]
    public void Complete_WritesAnMp4_WithTheFramesGiven()
    {
        var dir = Directory.CreateTempSubdirectory("parla-enc-").FullName;
        try
        {
            var output = Path.Combine(dir, "grey.mp4");
            using (var encoder = new VideoEncoder(new VideoEncoderOptions { OutputPath = output, Width = 64, Height = 48, FramesPerSecond = 10 }))
            {
                using var frame = new Frame(64, 48);
                frame.Pixels.Fill(128);
                for (var i = 0; i < 10; i++) encoder.Write(frame);
                encoder.Complete();
            }
            var probe = MediaProbe.Run(output);
            Assert.Contains("codec_name=h264", probe);
            Assert.Contains("nb_read_frames=10", probe);
            Assert.Single(Directory.GetFiles(dir));
        }
        finally
        {
            Directory.Delete(dir, true);
        }
    }
}
