using System.Text.Json;
using Microsoft.Playwright;

namespace Parla.Server.Tests;

/// <summary>
/// The page in real headless Chromium (Debian's /usr/bin/chromium; Playwright's driver ships in its
/// NuGet package, no browser is downloaded), against a real server and pipeline. Each step leaves a
/// screenshot in test-output/browser/ for a person to look at.
/// </summary>
public sealed class BrowserTests : IAsyncLifetime
{
    private const string Chromium = "/usr/bin/chromium";
    private static readonly string Shots = TestData.OutputDirectory("browser");
    private IPlaywright _playwright = null!;
    private IBrowser _browser = null!;
    private ServerHost _server = null!;

    public async Task InitializeAsync()
    {
        Assert.True(File.Exists(Chromium), $"{Chromium} is missing: install Debian's chromium (scripts/install-deps.sh chromium; test.sh does it).");
        _server = await ServerHost.StartAsync();
        _playwright = await Playwright.CreateAsync();
        _browser = await _playwright.Chromium.LaunchAsync(new BrowserTypeLaunchOptions
        {
            ExecutablePath = Chromium,
            Headless = true,
            Args =
            [
                "--no-sandbox", "--disable-background-networking", "--disable-component-update", "--disable-sync",
                "--no-first-run", "--disable-quic", "--autoplay-policy=no-user-gesture-required",
            ],
        });
    }

    public async Task DisposeAsync()
    {
        await _browser.DisposeAsync();
        _playwright.Dispose();
        await _server.DisposeAsync();
    }

    private async Task<IPage> OpenAsync(int width = 1100, int height = 1400)
    {
        var page = await _browser.NewPageAsync(new BrowserNewPageOptions { ViewportSize = new ViewportSize { Width = width, Height = height } });
        var errors = new List<string>();
        page.PageError += (_, e) => errors.Add(e);
        page.Console += (_, m) => { if (m.Type == "error") errors.Add(m.Text); };
        await page.GotoAsync(_server.Address.ToString());
        return page;
    }

    private static Task ShotAsync(IPage page, string name) =>
        page.ScreenshotAsync(new PageScreenshotOptions { Path = Path.Combine(Shots, name), FullPage = true });

    [Fact]
    public async Task Upload_fit_generate_play_and_verify()
    {
        var page = await OpenAsync();
        await ShotAsync(page, "01-empty.png");

        // Portrait → mesh and five points from /api/landmarks.
        await page.SetInputFilesAsync("#image", TestData.Portrait("grace_hopper.jpg"));
        await Assertions.Expect(page.Locator("#fit-status")).ToContainTextAsync("Face found", new() { Timeout = 30_000 });
        await ShotAsync(page, "02-fit.png");

        // Drag the nose tip (point 3) 12 image pixels down and to the right.
        var before = await PointAsync(page, 2);
        var (x, y) = await ScreenPositionAsync(page, before);
        await page.Mouse.MoveAsync(x, y);
        await page.Mouse.DownAsync();
        await page.Mouse.MoveAsync(x + 6, y + 6, new() { Steps = 4 });
        await page.Mouse.MoveAsync(x + 12, y + 12, new() { Steps = 4 });
        await page.Mouse.UpAsync();
        var after = await PointAsync(page, 2);
        Assert.InRange(after[0] - before[0], 8, 16);
        Assert.InRange(after[1] - before[1], 8, 16);

        // By keyboard: pick point 1 and nudge it right three times.
        var eye = await PointAsync(page, 0);
        await page.FocusAsync("#face-canvas");
        await page.Keyboard.PressAsync("1");
        for (var i = 0; i < 3; i++) await page.Keyboard.PressAsync("ArrowRight");
        Assert.Equal(eye[0] + 3, (await PointAsync(page, 0))[0], 1);
        await ShotAsync(page, "03-dragged.png");

        // Voice → waveform.
        await page.SetInputFilesAsync("#audio", TestData.Voice("librivox_0870.wav"));
        await Assertions.Expect(page.Locator("#record-status")).ToContainTextAsync("s of sound");
        await page.SelectOptionAsync("#opt-maxSize", "256");

        // Without consent the page says so next to the field and sends nothing.
        await page.ClickAsync("#generate");
        await Assertions.Expect(page.Locator("#error-consent")).ToContainTextAsync("consent statement is required");
        await page.FillAsync("#consent", "I am allowed to animate this portrait and this voice.");
        await ShotAsync(page, "04-ready.png");
        await page.EvaluateAsync("() => window.scrollTo(0, 0)");
        await page.ScreenshotAsync(new PageScreenshotOptions { Path = Path.Combine(Shots, "readme.png"), Clip = new Clip { X = 0, Y = 0, Width = 1100, Height = 1150 } });

        await page.ClickAsync("#generate");
        await Assertions.Expect(page.Locator("#progress-box")).ToBeVisibleAsync();
        await Assertions.Expect(page.Locator("#progress-text")).ToContainTextAsync("%");
        await ShotAsync(page, "05-progress.png");

        // The video arrives and plays.
        await Assertions.Expect(page.Locator("#result")).ToBeVisibleAsync(new() { Timeout = 90_000 });
        await page.WaitForFunctionAsync("() => { const v = document.getElementById('video'); return v.readyState >= 2 && v.currentTime > 0.3; }", null, new() { Timeout = 20_000 });
        await ShotAsync(page, "06-video.png");
        await Assertions.Expect(page.Locator("#mouth")).ToHaveTextAsync("Mouth from English phones (the voice is confidently English).");
        var href = await page.GetAttributeAsync("#download-video", "href");
        Assert.EndsWith("/video?download=true", href);

        // The corrected fit went with the job as a full landmarks file.
        var job = Assert.Single(_server.Store.List(Jobs.JobStatus.Done));
        Assert.Equal("landmarks.json", job.Input.LandmarksFile);
        Assert.False(job.Input.Options.Label == false);
        Assert.Equal("auto", job.Input.Options.Extras["style"].GetString());
        Assert.Equal("auto", job.Input.Options.Extras["language"].GetString());

        // Verify tab: the video just made is recognised.
        await page.ClickAsync("#tab-verify");
        var video = TestData.ScratchFile("browser-made.mp4");
        await File.WriteAllBytesAsync(video, await _server.Client.GetByteArrayAsync($"/api/jobs/{job.Id}/video"));
        await page.SetInputFilesAsync("#verify-file", video);
        await Assertions.Expect(page.Locator("#verdict-text")).ToContainTextAsync("Made by Parla", new() { Timeout = 30000 });
        await Assertions.Expect(page.Locator("#verdict-details")).ToContainTextAsync("watermarkpresent, payload ");
        await Assertions.Expect(page.Locator("#verdict-details")).ToContainTextAsync("manifestpresent");
        await ShotAsync(page, "07-verify.png");

        // A mirrored copy (a re-upload's usual edit) is recognised, and the page says how.
        var mirrored = TestData.ScratchFile("browser-mirrored.mp4");
        Ffmpeg.Run("-i", video, "-vf", "hflip", "-c:v", "libx264", "-crf", "23", mirrored);
        await page.SetInputFilesAsync("#verify-file", mirrored);
        await Assertions.Expect(page.Locator("#verdict-details")).ToContainTextAsync("in a copy mirrored", new() { Timeout = 30000 });
        await Assertions.Expect(page.Locator("#verdict-text")).ToContainTextAsync("Made by Parla");
    }

    [Fact]
    public async Task No_face_place_five_points_by_hand_and_phone_width()
    {
        var page = await OpenAsync(390, 844);
        var grey = TestData.ScratchFile("browser-no-face-grey.png");
        using (var bitmap = new SkiaSharp.SKBitmap(300, 360))
        {
            bitmap.Erase(new SkiaSharp.SKColor(200, 190, 180));
            using var file = File.Create(grey);
            bitmap.Encode(file, SkiaSharp.SKEncodedImageFormat.Png, 90);
        }
        await page.SetInputFilesAsync("#image", grey);
        await Assertions.Expect(page.Locator("#fit-status")).ToContainTextAsync("No face was found");
        float[][] places = [[110, 150], [190, 150], [150, 200], [120, 250], [180, 250]];
        foreach (var p in places)
        {
            var (x, y) = await ScreenPositionAsync(page, p);
            await page.Mouse.ClickAsync(x, y);
        }
        await Assertions.Expect(page.Locator("#fit-status")).ToContainTextAsync("Five points placed");
        await ShotAsync(page, "08-phone-no-face.png");
        // Nothing wider than the phone's screen.
        Assert.True(await page.EvaluateAsync<bool>("() => document.documentElement.scrollWidth <= window.innerWidth"), "the page scrolls sideways at phone width");

        await page.SetInputFilesAsync("#audio", TestData.Voice("librivox_0930.wav"));
        await page.FillAsync("#consent", "This is a test portrait.");
        await page.SelectOptionAsync("#opt-maxSize", "256");
        await page.ClickAsync("#generate");
        var deadline = DateTime.UtcNow.AddSeconds(20);
        Jobs.JobRecord? job;
        while ((job = _server.Store.List(Jobs.JobStatus.Queued, Jobs.JobStatus.Running, Jobs.JobStatus.Done, Jobs.JobStatus.Failed).FirstOrDefault()) is null)
        {
            Assert.True(DateTime.UtcNow < deadline, "no job was submitted");
            await Task.Delay(100);
        }
        var sent = JsonDocument.Parse(await File.ReadAllTextAsync(Path.Combine(_server.DataDirectory, "jobs", job.Id, "landmarks.json"))).RootElement;
        var points5 = sent.GetProperty("points5").EnumerateArray().Select(p => new[] { p[0].GetSingle(), p[1].GetSingle() }).ToArray();
        for (var i = 0; i < 5; i++)
        {
            Assert.Equal(places[i][0], points5[i][0], 1.5f);
            Assert.Equal(places[i][1], points5[i][1], 1.5f);
        }
        // The job ends one way or the other (points5 is read by the pipeline once it knows the format); the page shows the outcome.
        await page.WaitForFunctionAsync("() => !document.getElementById('result').hidden || document.querySelector('.error:not(:empty)')", null, new() { Timeout = 60_000 });
        await ShotAsync(page, "09-phone-outcome.png");
    }

    [Fact]
    public async Task With_a_token_the_page_asks_for_it_once()
    {
        await using var guarded = await ServerHost.StartAsync(o => o with { Token = "page-token-123" });
        var page = await _browser.NewPageAsync();
        await page.GotoAsync(guarded.Address.ToString());
        await page.SetInputFilesAsync("#image", TestData.Portrait("grace_hopper.jpg"));
        await Assertions.Expect(page.Locator("#token-box")).ToBeVisibleAsync();
        await page.FillAsync("#token", "page-token-123");
        await page.Keyboard.PressAsync("Enter");
        await Assertions.Expect(page.Locator("#fit-status")).ToContainTextAsync("Face found", new() { Timeout = 30_000 });
        await Assertions.Expect(page.Locator("#token-box")).ToBeHiddenAsync();
        // Kept for the session: a second call goes straight through.
        await page.SetInputFilesAsync("#image", TestData.Portrait("astronaut.png"));
        await Assertions.Expect(page.Locator("#fit-status")).ToContainTextAsync("Face found", new() { Timeout = 30_000 });
        await Assertions.Expect(page.Locator("#token-box")).ToBeHiddenAsync();
        await ShotAsync(page, "10-token.png");
    }

    private static async Task<float[]> PointAsync(IPage page, int index) =>
        await page.EvaluateAsync<float[]>($"() => state.points[{index}]");

    /// <summary>Where an image-pixel position is on the screen (the canvas is scaled to the page's width).</summary>
    private static async Task<(float X, float Y)> ScreenPositionAsync(IPage page, float[] imagePoint)
    {
        await page.Locator("#face-canvas").ScrollIntoViewIfNeededAsync();
        var xy = await page.EvaluateAsync<float[]>(
            "({ x, y }) => { const c = document.getElementById('face-canvas'); const r = c.getBoundingClientRect(); " +
            "return [r.left + x * state.scale * r.width / c.width, r.top + y * state.scale * r.height / c.height]; }",
            new { x = (double)imagePoint[0], y = (double)imagePoint[1] }); // Playwright serialises double, not float
        return (xy[0], xy[1]);
    }
}
