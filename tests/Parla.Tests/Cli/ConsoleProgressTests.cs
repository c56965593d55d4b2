using Parla.Cli;
using Parla.Pipeline;

namespace Parla.Tests.Cli;

public sealed class ConsoleProgressTests
{
    [Fact]
    public void ALongStage_SaysTheTimeItHasLeft_AtItsPaceSinceItsFirstCountedReport()
    {
        // Frames at 10 ms each after a first frame at 5 s: the 5 s before it do not count.
        var now = 0L;
        var lines = new StringWriter();
        using (var progress = new ConsoleProgress(lines, interactive: false, () => now))
        {
            progress.Report(new PipelineProgress("phones", 0, 0));
            now = 5_000;
            for (var done = 1; done <= 1000; done++, now += 10)
                progress.Report(new PipelineProgress("render", done, 1000));
        }

        var said = lines.ToString().ReplaceLineEndings("\n").Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal("parla: render 0% (1/1000)", said[2]);
        // At 100 frames, 0.99 s after the first: too early to say (a second at least).
        Assert.Equal("parla: render 10% (100/1000)", said[3]);
        // At 200 frames, 1.99 s after the first (199 frames done): 800 more at 10 ms.
        Assert.Equal("parla: render 20% (200/1000), about 8 s left", said[4]);
        Assert.Equal("parla: render 90% (900/1000), about 1 s left", said[^2]);
        Assert.Equal("parla: render 100% (1000/1000)", said[^1]);
    }
}
