using System.Diagnostics;
using System.Globalization;
using System.Text;
using Parla.Media;

namespace Parla.Provenance;

/// <summary>Settings of watermark detection.</summary>
public sealed record WatermarkDetectorOptions
{
    /// <summary>Seconds of video decoded and averaged, from <see cref="StartSeconds"/> (default 4; 2 are enough for an intact mark).</summary>
    public double SecondsToRead { get; init; } = 4;

    /// <summary>Where reading starts, in seconds from the beginning (default 0).</summary>
    public double StartSeconds { get; init; }

    /// <summary>Height the frames are scaled to for analysis, in pixels (default 512: a cell is then 4–5 pixels).</summary>
    public int AnalysisHeight { get; init; } = 512;

    /// <summary>
    /// Smallest synchronisation score that counts as a watermark (default 7.5). The score is a
    /// peak-to-sidelobe z-value of the pilot, maximised over about 180k scale/offset hypotheses. On 220
    /// clean clips (WatermarkFalsePositiveStudy) it had mean 4.66, sd 0.61, maximum 6.20; marked clips
    /// after the robustness transformations score 10–14.5. A Gumbel fit of the clean scores puts a
    /// false sync above 7.5 at about 1.5e-3 per clip, which is why a payload is reported only when its
    /// CRC-24 also checks (2^-24 ≈ 6e-8 for a wrong decode): together about 1e-10 per clip.
    /// </summary>
    public double Threshold { get; init; } = 7.5;

    /// <summary>Smallest and largest cell size searched, relative to analysis height / 64 (defaults 0.85 and 1.45: crops up to 15% a side).</summary>
    public double MinScale { get; init; } = 0.85;

    public double MaxScale { get; init; } = 1.45;

    /// <summary>
    /// Whether a mark not found as the video stands is searched for again through the edits a copy may
    /// have been given: mirrored, turned up to about 5°, scaled to another shape, padded into a larger
    /// frame, put after an intro (default true; it costs a video without a mark a second or more).
    /// </summary>
    public bool SearchEdits { get; init; } = true;

    public IReadOnlyList<string> Validate()
    {
        var errors = new List<string>();
        if (SecondsToRead is <= 0 or > 600) errors.Add($"SecondsToRead must be in (0, 600], got {SecondsToRead}.");
        if (StartSeconds < 0) errors.Add($"StartSeconds must not be negative, got {StartSeconds}.");
        if (AnalysisHeight is < 128 or > 1080) errors.Add($"AnalysisHeight must be in [128, 1080], got {AnalysisHeight}.");
        if (MinScale <= 0.3 || MaxScale <= MinScale || MaxScale > 3) errors.Add($"Need 0.3 < MinScale < MaxScale ≤ 3, got {MinScale} and {MaxScale}.");
        return errors;
    }
}

/// <summary>What watermark detection found.</summary>
/// <param name="Present">A watermark was found and its payload decoded with a valid CRC.</param>
/// <param name="Payload">The 64-bit payload, when present.</param>
/// <param name="Confidence">The synchronisation score (peak-to-sidelobe z-value of the pilot); compare with <paramref name="Threshold"/>.</param>
/// <param name="Threshold">The score a watermark needs.</param>
/// <param name="SyncFound">The pilot pattern scored above the threshold (even if the payload did not decode).</param>
/// <param name="Scale">Cell size found, relative to an uncropped video (1 = uncropped; 1.25 = cropped 10% a side).</param>
/// <param name="FramesAnalysed">Frames decoded and averaged.</param>
/// <param name="CodedBitAccuracy">Share of the 282 coded bits read correctly, judged against the decoded payload's codeword; null without a payload.</param>
/// <param name="Edit">The mirroring or turn the mark was found through, when the video was edited so; null when found as made.</param>
/// <param name="Inside">Where in the frame the marked picture was found, when it fills only part of it (padded into a larger frame); null when it fills the frame.</param>
/// <param name="FromSeconds">Where the span the mark was found in starts, when it is not the first span read (the marked part comes later in the file); null otherwise.</param>
public sealed record WatermarkResult(bool Present, ulong? Payload, double Confidence, double Threshold, bool SyncFound,
    double Scale, int FramesAnalysed, double? CodedBitAccuracy, GeometricEdit? Edit = null, PixelBox? Inside = null, double? FromSeconds = null);

/// <summary>A rectangle of pixels: its left and top edges, width and height.</summary>
public readonly record struct PixelBox(int X, int Y, int Width, int Height)
{
    public override string ToString() => string.Create(CultureInfo.InvariantCulture, $"{Width}x{Height} at ({X}, {Y})");
}

/// <summary>
/// A mirroring, a turn and a stretch that a copy of a video may have been given: its frames were flipped
/// left to right (when <paramref name="Mirrored"/>), turned <paramref name="ClockwiseDegrees"/> about their
/// centre, or made <paramref name="Stretch"/> times as wide for their height (scaled to another shape,
/// as `-vf scale=1280:720` does to a square video).
/// </summary>
public readonly record struct GeometricEdit(bool Mirrored, double ClockwiseDegrees, double Stretch = 1)
{
    /// <summary>In words, as <c>parla verify</c> reports it: "mirrored", "turned 3° clockwise", "mirrored and turned 1.75° anticlockwise", "stretched 1.78 times as wide", "squeezed to 0.56 of its width".</summary>
    public override string ToString()
    {
        var inv = CultureInfo.InvariantCulture;
        var turn = ClockwiseDegrees == 0 ? null
            : string.Create(inv, $"turned {Math.Abs(ClockwiseDegrees):0.##}° {(ClockwiseDegrees > 0 ? "clockwise" : "anticlockwise")}");
        string[] parts =
        [
            .. Mirrored ? ["mirrored"] : Array.Empty<string>(),
            .. turn is null ? [] : new[] { turn },
            .. Stretch == 1 ? [] : new[] { Stretch > 1 ? string.Create(inv, $"stretched {Stretch:0.##} times as wide") : string.Create(inv, $"squeezed to {Stretch:0.##} of its width") },
        ];
        return parts.Length == 0 ? "as made" : string.Join(" and ", parts);
    }
}

/// <summary>
/// Finds Parla's watermark in a video. Frames are decoded by ffmpeg as grey at a fixed analysis
/// height and averaged (the mark is static, so averaging removes coding noise and moving content).
/// The average is sampled on a grid of cell centres for each hypothesised cell size and sub-cell
/// phase, whitened (each cell minus the mean of its 8 neighbours, weighted by the inverse of the
/// local residual energy so textured areas count less), folded modulo the 32-cell tile, and
/// correlated with the pilot at all 1024 cyclic shifts. The best hypothesis is refined, then the
/// payload cells are read as soft bits for the Viterbi decoder. A mark not found so is searched for
/// through the edits a copy may have been given (<see cref="WatermarkDetectorOptions.SearchEdits"/>):
/// mirrored, turned or stretched, padded into a larger frame, put after an intro.
/// </summary>
public static class WatermarkDetector
{
    private const int N = WatermarkLayout.TileCells;

    /// <summary>Decodes up to <see cref="WatermarkDetectorOptions.SecondsToRead"/> seconds of <paramref name="videoPath"/> and looks for the watermark.</summary>
    /// <exception cref="InvalidInputException">The video cannot be decoded.</exception>
    /// <exception cref="ToolException">ffmpeg is missing.</exception>
    public static WatermarkResult Detect(string videoPath, WatermarkKey? key = null, WatermarkDetectorOptions? options = null,
        CancellationToken cancellationToken = default)
        => DetectDetailed(videoPath, key, options, cancellationToken).Result;

    /// <summary><see cref="Detect"/> with the soft bits, for measuring bit accuracy against a known payload.</summary>
    internal static Analysis DetectDetailed(string videoPath, WatermarkKey? key = null, WatermarkDetectorOptions? options = null,
        CancellationToken cancellationToken = default)
    {
        options ??= new WatermarkDetectorOptions();
        var errors = options.Validate();
        if (errors.Count > 0) throw new ArgumentException(string.Join(" ", errors), nameof(options));
        if (!File.Exists(videoPath)) throw new InvalidInputException(videoPath, "does not exist.");
        key ??= WatermarkKey.Project;
        var (source, duration) = Probe(videoPath);
        var first = Search(options, firstSpan: true);
        if (first.Result.Present || !options.SearchEdits || duration is not { } seconds) return first;

        // Not in the span read: the marked part may come later (a copy with an intro before it). Its
        // middle and its end are searched too, as they stand and inside a larger frame, two seconds each
        // (enough for a mark that is intact; each span is decoded from the key frame before it).
        var span = Math.Min(options.SecondsToRead, 2);
        double[] later = [(seconds - span) / 2, seconds - span];
        foreach (var start in later.Where(t => t > options.StartSeconds + options.SecondsToRead))
        {
            var found = Search(options with { StartSeconds = Math.Round(start, 2), SecondsToRead = span }, firstSpan: false);
            if (found.Result.Present) return found with { Result = found.Result with { FromSeconds = Math.Round(start, 2) } };
        }
        return first;

        // One span: the mark as the video stands, through the edits (in the first span), and inside a larger frame.
        Analysis Search(WatermarkDetectorOptions span, bool firstSpan)
        {
            var (average, width, height, frames) = ReadAverage(videoPath, span, AnalysisWidth(source, span), null, cancellationToken);
            var analysis = Picture(average, width, height, source, span, edits: firstSpan && options.SearchEdits);
            if (!analysis.Result.Present && options.SearchEdits && source is var (fullWidth, fullHeight) && ContentBox(average, width, height) is { } box)
            {
                // The picture sits inside a larger frame (a square video padded to a phone's 9:16, say): the
                // cells are too small there at this height, so the box is decoded again at the analysis height.
                var crop = ToSource(box, width, height, fullWidth, fullHeight);
                var (inner, innerWidth, innerHeight, _) = ReadAverage(videoPath, span, AnalysisWidth((crop.Width, crop.Height), span), crop, cancellationToken);
                var boxed = Picture(inner, innerWidth, innerHeight, (crop.Width, crop.Height), span, edits: firstSpan);
                if (boxed.Result.Present) analysis = boxed with { Result = boxed.Result with { Inside = crop } };
            }
            // A later span counts only with a payload whose CRC checks, as the edits do (more searches, more chance syncs).
            if (!firstSpan && !analysis.Result.Present) analysis = analysis with { Result = analysis.Result with { SyncFound = false } };
            return analysis with { Result = analysis.Result with { FramesAnalysed = frames } };
        }

        // A picture read at the analysis height from one of size (the whole frame, or the box of a picture
        // inside it): the mark as it stands, then through the edits where asked.
        Analysis Picture(float[] image, int width, int height, (int Width, int Height)? size, WatermarkDetectorOptions span, bool edits)
        {
            // How much more x was scaled than y on the way to the analysis size (rounding the width to whole pixels).
            var aspect = size is var (sw, sh) ? (width / (double)sw) / (height / (double)sh) : 1.0;
            var analysis = Analyse(image, width, height, key, span, aspect);
            return analysis.Result.Present || !edits
                ? analysis
                : SearchEdits(image, width, height, key, span, aspect, Shape(size, width, height), cancellationToken) ?? analysis;
        }
    }

    /// <summary>The video's shape, width over height: its own size's, or the analysed picture's where ffprobe did not say.</summary>
    private static double Shape((int Width, int Height)? source, int width, int height)
        => source is var (w, h) ? w / (double)h : width / (double)height;

    private static int? AnalysisWidth((int Width, int Height)? source, WatermarkDetectorOptions options)
        => source is var (w, h) ? Math.Max(16, (int)Math.Round(w * (double)options.AnalysisHeight / h)) : null;

    /// <summary>
    /// Where the picture lies when the frame around it is blank: bars of one colour, or a background so
    /// blurred that it has no fine detail left (as phone editors fill a 9:16 frame). Rows and columns of
    /// the frame's average whose fine detail (each pixel against its 3×3 mean) is under <see cref="BlankDetail"/>
    /// are taken for the frame. Null when the picture fills the frame, or nearly (at least 85 % of each side).
    /// </summary>
    internal static PixelBox? ContentBox(float[] image, int width, int height)
    {
        var blurred = Blur3(image, width, height);
        var rows = new double[height];
        var columns = new double[width];
        for (var y = 1; y < height - 1; y++)
            for (var x = 1; x < width - 1; x++)
            {
                var d = image[y * width + x] - blurred[y * width + x];
                rows[y] += d * d / (width - 2);
                columns[x] += d * d / (height - 2);
            }
        var (top, bottom) = LongestRunAbove(rows);
        var (left, right) = LongestRunAbove(columns);
        if (bottom - top + 1 >= 0.85 * height && right - left + 1 >= 0.85 * width) return null;
        if (bottom - top + 1 < height / 8 || right - left + 1 < width / 8) return null;
        // Around the box the frame must be blank, not merely less detailed than the box's middle (a smooth
        // gradient beside a busy pattern): three quarters of it at least, leaving room for a caption on a bar.
        if (BlankShare(rows, top, bottom) < 0.75 || BlankShare(columns, left, right) < 0.75) return null;
        return new PixelBox(left, top, right - left + 1, bottom - top + 1);

        static double BlankShare(double[] energy, int first, int last)
        {
            int outside = 0, blank = 0;
            for (var i = 1; i < energy.Length - 1; i++)
            {
                if (i >= first && i <= last) continue;
                outside++;
                if (energy[i] <= BlankDetail) blank++;
            }
            return outside == 0 ? 1 : blank / (double)outside;
        }

        // The longest run of entries above the blank's level (gaps of two tolerated).
        static (int First, int Last) LongestRunAbove(double[] energy)
        {
            const double floor = BlankDetail;
            (int First, int Last) best = (0, -1);
            int start = -1, lastAbove = -1;
            for (var i = 1; i < energy.Length - 1; i++)
            {
                if (energy[i] <= floor) continue;
                if (start < 0 || i - lastAbove > 3) start = i;
                lastAbove = i;
                if (lastAbove - start > best.Last - best.First) best = (start, lastAbove);
            }
            return best;
        }
    }

    /// <summary>
    /// Mean squared fine detail (grey levels²) under which a row or column of a frame's average is blank.
    /// Rows of marked pictures measure 1.7 and more (a flat studio backdrop at CRF 28), solid bars 0.00, and
    /// a background blurred by a Gaussian of 20 pixels 0.14–0.38 (its coding noise, at CRF 23).
    /// </summary>
    private const double BlankDetail = 1.0;

    /// <summary>A box in the analysed picture taken to the video's own pixels, to even sizes (as ffmpeg's crop wants for yuv420p).</summary>
    private static PixelBox ToSource(PixelBox box, int width, int height, int sourceWidth, int sourceHeight)
    {
        double fx = sourceWidth / (double)width, fy = sourceHeight / (double)height;
        var x = (int)Math.Ceiling(box.X * fx) & ~1;
        var y = (int)Math.Ceiling(box.Y * fy) & ~1;
        var w = Math.Min(sourceWidth - x, (int)Math.Floor(box.Width * fx)) & ~1;
        var h = Math.Min(sourceHeight - y, (int)Math.Floor(box.Height * fy)) & ~1;
        return new PixelBox(x, y, w, h);
    }

    /// <summary>
    /// The edits <see cref="SearchEdits"/> tries, most common first: a mirrored copy (the usual edit of a
    /// re-upload meant to slip past matching), then turns 1.5° apart up to 4.5° either way, plain and
    /// mirrored (then the <see cref="Stretches"/> the video's shape suggests). One search finds the mark up to about 1° off its grid (a 1° turn scores 8.4 where the
    /// copy as made scores 11–12), so the steps leave no gap up to 5.25°.
    /// </summary>
    internal static readonly GeometricEdit[] EditsSearched =
    [
        new(true, 0),
        .. new[] { 1.5, -1.5, 3, -3, 4.5, -4.5 }.SelectMany(degrees => new GeometricEdit[] { new(false, degrees), new(true, degrees) }),
    ];

    /// <summary>
    /// Undoes each of <see cref="EditsSearched"/> on the average and searches it again; the first edit (in
    /// that order) whose search decodes a payload with a valid CRC wins. A sync score alone is not
    /// reported here: the threshold was set for one search, and up to twenty more would raise the chance of
    /// a chance sync as many times, while a payload's CRC keeps a false find at about 2⁻²⁴ a search. A
    /// search whose coarse stage stays under <see cref="RefineFrom"/> is not refined.
    /// </summary>
    private static Analysis? SearchEdits(float[] average, int width, int height, WatermarkKey key, WatermarkDetectorOptions options,
        double aspect, double shape, CancellationToken cancellationToken)
    {
        // The stretches only where no mirroring or turn finds it: those are the commoner edits, found sooner so.
        var found = Search(EditsSearched).FirstOrDefault(a => a is not null) ?? Search([.. Stretches(shape)]).FirstOrDefault(a => a is not null);
        if (found?.Result.Edit is not { } edit || edit is { ClockwiseDegrees: 0, Stretch: 1 }) return found;

        // The turn to a quarter degree, or the stretch to a percent or two, for the report: the best-scoring
        // of the edits around the one found (a stretch is found a few percent off the one assumed).
        var nearby = edit.Stretch != 1
            ? new[] { -0.06, -0.04, -0.02, 0.02, 0.04, 0.06 }.Select(d => edit with { Stretch = edit.Stretch * (1 + d) }).ToArray()
            : new[] { -0.5, -0.25, 0.25, 0.5 }.Select(d => edit with { ClockwiseDegrees = edit.ClockwiseDegrees + d }).ToArray();
        return Search(nearby).Where(a => a is not null).Prepend(found).MaxBy(a => a!.Result.Confidence);

        Analysis?[] Search(GeometricEdit[] edits)
        {
            var results = new Analysis?[edits.Length];
            Parallel.For(0, edits.Length, new ParallelOptions { CancellationToken = cancellationToken }, k =>
            {
                var undone = Undo(edits[k], average, width, height);
                var analysis = Analyse(undone, width, height, key, options, aspect * edits[k].Stretch, refineFrom: RefineFrom);
                // A stretch as the search refined it (it finds the mark a few percent off the one assumed).
                var edit = edits[k].Stretch == 1 ? edits[k] : edits[k] with { Stretch = analysis.Aspect / aspect };
                if (analysis.Result.Present) results[k] = analysis with { Result = analysis.Result with { Edit = edit } };
            });
            return results;
        }
    }

    /// <summary>
    /// The shapes (width over height) a video is likely to have been made in: a square portrait, a
    /// photo's 4:5, 3:4 and 2:3 either way up, a phone's 9:16 either way up.
    /// </summary>
    private static readonly double[] ShapesMadeIn = [1, 4.0 / 5, 5.0 / 4, 3.0 / 4, 4.0 / 3, 2.0 / 3, 3.0 / 2, 9.0 / 16, 16.0 / 9];

    /// <summary>
    /// The stretches that would have made a video of <paramref name="shape"/> (width over height, as it
    /// stands) from one made in each of <see cref="ShapesMadeIn"/>: a copy scaled to another frame without
    /// keeping its shape. One search finds the mark up to about 3 % off the stretch it assumes (a square
    /// video scaled to 1920×1080, searched as 1.778 times as wide: 12.5; 3 % less or more: 8.3, 11.8; 5 %:
    /// 5.9, 5.7), so a video made within about 3 % of one of those shapes is found (a 512×600 one, 6.7 %
    /// from 4:5, was, at 9.0); those nearly the shape it has need no stretch.
    /// </summary>
    internal static IEnumerable<GeometricEdit> Stretches(double shape) => ShapesMadeIn
        .Select(made => shape / made)
        .Where(stretch => Math.Abs(Math.Log(stretch)) > Math.Log(1.02) && stretch is > 1.0 / 3 and < 3)
        .Select(stretch => new GeometricEdit(false, 0, stretch));

    /// <summary>
    /// Coarse scores under which an edit's search is not refined: clean videos score 4.66 ± 0.61 refined
    /// (220 clips), a marked copy 0.75° off the searched turn 9.6 (CRF 23).
    /// </summary>
    private const double RefineFrom = 6.0;

    /// <summary>
    /// The image as it was before <paramref name="edit"/>'s mirroring and turn: each pixel is read where the
    /// edit put it (bilinear; from the nearest edge where the edit's turn cut the picture's corners off).
    /// Without either, the image itself (a stretch is undone by the search's cell shape, not here).
    /// </summary>
    internal static float[] Undo(GeometricEdit edit, float[] image, int width, int height)
    {
        if (edit is { Mirrored: false, ClockwiseDegrees: 0 }) return image;
        var undone = new float[image.Length];
        var radians = edit.ClockwiseDegrees * Math.PI / 180;
        var (sin, cos) = Math.SinCos(radians);
        var (cx, cy) = (width / 2.0, height / 2.0);
        for (var y = 0; y < height; y++)
            for (var x = 0; x < width; x++)
            {
                // Pixel centres: mirrored about the vertical centre line, then turned clockwise (y points down).
                var u = (edit.Mirrored ? width - (x + 0.5) : x + 0.5) - cx;
                var v = y + 0.5 - cy;
                undone[y * width + x] = Bilinear(image, width, height, cx + u * cos - v * sin, cy + u * sin + v * cos);
            }
        return undone;
    }

    /// <summary>A search's result, its soft bits, and the cells' width over height it found (the aspect it was given, refined).</summary>
    internal sealed record Analysis(WatermarkResult Result, double[] SoftBits, double Aspect = 1);

    /// <summary>
    /// Looks for the watermark in one grey image (an average of frames), <paramref name="width"/>×<paramref name="height"/>,
    /// row-major; <paramref name="aspect"/> is how much more the analysis scaled x than y (1 when the aspect ratio was kept exactly).
    /// </summary>
    /// <remarks><paramref name="refineFrom"/>: a coarse best under it is not refined, and reported as no mark.</remarks>
    internal static Analysis Analyse(float[] grey, int width, int height, WatermarkKey key, WatermarkDetectorOptions options, double aspect = 1,
        double refineFrom = double.NegativeInfinity)
    {
        var layout = new WatermarkLayout(key);
        var blurred = Blur3(grey, width, height);
        var baseCell = height / (double)WatermarkLayout.CellsPerHeight;
        var work = new Workspace(width, height, baseCell * options.MinScale * Math.Min(1, aspect) * 0.98);

        // Coarse search: cell sizes 1.2% apart (the grid is anchored at the image centre, so a size
        // error of 0.6% shifts the outermost cells by at most 0.4 cell at 128 cells) and 2×2 sub-cell
        // phases, each scored by how far the best of the 1024 cyclic pilot shifts stands out.
        Hypothesis best = default;
        const double coarseStep = 1.012;
        for (var scale = options.MinScale; scale <= options.MaxScale * 1.0001; scale *= coarseStep)
        {
            var pitch = baseCell * scale;
            for (var py = 0; py < 2; py++)
                for (var px = 0; px < 2; px++)
                {
                    var h = Evaluate(blurred, width, height, pitch * aspect, pitch, px * pitch / 2, py * pitch / 2, layout, work, null);
                    if (h.Score > best.Score) best = h with { Scale = scale, Aspect = aspect };
                }
        }

        if (best.Score < refineFrom)
            return new Analysis(new WatermarkResult(false, null, best.Score, options.Threshold, false, best.Scale, 1, null), new double[WatermarkCode.CodedBits]);

        // Refinement at the found shift, by coordinate ascent on the pilot's z-value: size, then the
        // x/y ratio (crops rounded to even sizes and scalers stretch one axis by up to ~1%), then the
        // sub-cell phase; twice, the second time with steps halved.
        var shift = (best.ShiftX, best.ShiftY);
        var current = best;
        var currentZ = Evaluate(blurred, width, height, baseCell * current.Scale * current.Aspect, baseCell * current.Scale,
            current.OffsetX, current.OffsetY, layout, work, shift).Score;
        for (var round = 0; round < 2; round++)
        {
            var step = round == 0 ? 0.002 : 0.001;
            for (var k = -6; k <= 6; k++)
                for (var a = -4; a <= 4; a++)
                {
                    var scale = current.Scale * (1 + k * step);
                    var ratio = current.Aspect * (1 + a * step * 1.25);
                    Try(scale, ratio, current.OffsetX, current.OffsetY);
                }
            var pitch = baseCell * current.Scale;
            var (ox, oy) = (current.OffsetX, current.OffsetY);
            for (var dy = -3; dy <= 3; dy++)
                for (var dx = -3; dx <= 3; dx++)
                    Try(current.Scale, current.Aspect, ox + dx * pitch / (round == 0 ? 12 : 24), oy + dy * pitch / (round == 0 ? 12 : 24));
        }

        void Try(double scale, double ratio, double ox, double oy)
        {
            var pitch = baseCell * scale;
            var z = Evaluate(blurred, width, height, pitch * ratio, pitch, ox, oy, layout, work, shift).Score;
            if (z > currentZ)
            {
                currentZ = z;
                current = current with { Scale = scale, Aspect = ratio, OffsetX = ox, OffsetY = oy };
            }
        }

        // Final score (peak-to-sidelobe over all shifts, as the threshold is calibrated) and the payload.
        var final = Evaluate(blurred, width, height, baseCell * current.Scale * current.Aspect, baseCell * current.Scale,
            current.OffsetX, current.OffsetY, layout, work, null);
        if (final.Score < best.Score)
        {
            // Refinement never lowers the pilot's z, but the sidelobes can move: keep the better of the two.
            current = best;
            final = Evaluate(blurred, width, height, baseCell * best.Scale * best.Aspect, baseCell * best.Scale, best.OffsetX, best.OffsetY, layout, work, null);
        }
        var soft = ReadSoftBits(work, layout, final.ShiftX, final.ShiftY);
        var sync = final.Score >= options.Threshold;
        var payload = sync ? WatermarkCode.Decode(soft) : null;
        double? accuracy = payload is { } p ? CodedBitAccuracy(soft, p) : null;
        var result = new WatermarkResult(payload is not null, payload, final.Score, options.Threshold, sync, current.Scale, 1, accuracy);
        return new Analysis(result, soft, current.Aspect);
    }

    /// <summary>Share of soft bits whose sign matches the codeword of <paramref name="payload"/>.</summary>
    internal static double CodedBitAccuracy(ReadOnlySpan<double> soft, ulong payload)
    {
        var symbols = WatermarkCode.Encode(payload);
        var right = 0;
        for (var i = 0; i < symbols.Length; i++)
            if (soft[i] * symbols[i] > 0) right++;
        return right / (double)symbols.Length;
    }

    private readonly record struct Hypothesis(double Score, double Scale, double Aspect, double OffsetX, double OffsetY, int ShiftX, int ShiftY);

    /// <summary>Buffers reused across hypotheses (one search runs on one thread).</summary>
    private sealed class Workspace
    {
        public Workspace(int width, int height, double smallestPitch)
        {
            MaxCols = (int)(width / smallestPitch) + 2;
            MaxRows = (int)(height / smallestPitch) + 2;
            Samples = new float[MaxCols * MaxRows];
            Residual = new float[MaxCols * MaxRows];
            Energy = new float[MaxCols * MaxRows];
            Horizontal = new float[MaxCols * MaxRows];
        }

        public readonly int MaxCols;
        public readonly int MaxRows;
        public readonly float[] Horizontal;

        public readonly float[] Samples;
        public readonly float[] Residual;
        public readonly float[] Energy;
        public readonly double[] Folded = new double[N * N];
        public readonly double[] Weight = new double[N * N];
        public readonly double[] Scores = new double[N * N];
        public readonly double[] FoldedTwice = new double[4 * N * N];
        public readonly double[] WeightTwice = new double[4 * N * N];
    }

    /// <summary>Samples, whitens and folds the image for one hypothesis and scores the pilot at every cyclic shift.</summary>
    /// <remarks><c>fixedShift</c>: score only this cyclic shift, by its z-value (refinement); null scores all 1024 by peak-to-sidelobe.</remarks>
    private static Hypothesis Evaluate(float[] image, int width, int height, double pitchX, double pitchY, double offsetX, double offsetY,
        WatermarkLayout layout, Workspace work, (int X, int Y)? fixedShift)
    {
        var cols = Math.Min((int)Math.Floor(width / pitchX) - 1, work.MaxCols);
        var rows = Math.Min((int)Math.Floor(height / pitchY) - 1, work.MaxRows);
        if (cols < 8 || rows < 8) return default;
        // Grid anchored at the image centre: cell (i, j) is centred at (cx + (i - cols/2)·pitch, …).
        var x0 = width / 2.0 + offsetX - cols / 2 * pitchX;
        var y0 = height / 2.0 + offsetY - rows / 2 * pitchY;
        var s = work.Samples;
        for (var j = 0; j < rows; j++)
        {
            var y = y0 + j * pitchY;
            for (var i = 0; i < cols; i++)
                s[j * cols + i] = Bilinear(image, width, height, x0 + i * pitchX, y);
        }

        // Whitening: a cell minus the mean of its 8 neighbours removes the portrait's smooth content,
        // and keeps the chip (neighbouring chips are independent, so they average towards zero).
        var r = work.Residual;
        Array.Clear(r, 0, rows * cols);
        for (var j = 1; j < rows - 1; j++)
            for (var i = 1; i < cols - 1; i++)
            {
                var k = j * cols + i;
                var around = s[k - cols - 1] + s[k - cols] + s[k - cols + 1] + s[k - 1] + s[k + 1] + s[k + cols - 1] + s[k + cols] + s[k + cols + 1];
                r[k] = s[k] - around / 8;
            }

        // Local residual energy over 5×5 cells (a separable box sum): the noise level each chip is read against.
        var e = work.Energy;
        var horizontal = work.Horizontal;
        for (var j = 1; j < rows - 1; j++)
            for (var i = 1; i < cols - 1; i++)
            {
                float sum = 0;
                for (var u = Math.Max(1, i - 2); u <= Math.Min(cols - 2, i + 2); u++)
                {
                    var q = r[j * cols + u];
                    sum += q * q;
                }
                horizontal[j * cols + i] = sum / (Math.Min(cols - 2, i + 2) - Math.Max(1, i - 2) + 1);
            }
        for (var j = 1; j < rows - 1; j++)
            for (var i = 1; i < cols - 1; i++)
            {
                float sum = 0;
                for (var v = Math.Max(1, j - 2); v <= Math.Min(rows - 2, j + 2); v++) sum += horizontal[v * cols + i];
                e[j * cols + i] = sum / (Math.Min(rows - 2, j + 2) - Math.Max(1, j - 2) + 1);
            }

        var folded = work.Folded;
        var weight = work.Weight;
        Array.Clear(folded);
        Array.Clear(weight);
        // Weight ≈ 1/noise, with a floor (levels²) because in flat areas the residual energy is mostly the
        // mark itself; and gated by E/(E + gate) because a cell with almost no residual at all (clipped
        // white or black, or wiped by the codec) cannot hold the mark and would only dilute the sum.
        const double noiseFloor = 1.0;
        const double gate = 2.0;
        for (var j = 1; j < rows - 1; j++)
            for (var i = 1; i < cols - 1; i++)
            {
                var k = j * cols + i;
                var w = e[k] / ((e[k] + noiseFloor) * (e[k] + gate));
                var t = (j % N) * N + (i % N);
                folded[t] += w * r[k];
                weight[t] += w;
            }

        // Pilot correlation at every cyclic shift: z = Σ pilot·folded / sqrt(Σ weight) is N(0,1) on noise
        // (the weighted sum of residuals has variance Σ w²·σ² = Σ w when w = 1/σ²).
        var pilots = layout.PilotCells;
        var signs = layout.Sign;
        if (fixedShift is var (fx, fy))
        {
            double c = 0, v = 0;
            foreach (var cell in pilots)
            {
                var t = ((cell / N + fy) % N) * N + (cell % N + fx) % N;
                c += signs[cell] * folded[t];
                v += weight[t];
            }
            return new Hypothesis(v > 0 ? c / Math.Sqrt(v) : 0, 0, 1, offsetX, offsetY, fx, fy);
        }
        // The tile laid out twice in each direction, so that a cyclic shift is a plain offset into it.
        var foldedTwice = work.FoldedTwice;
        var weightTwice = work.WeightTwice;
        for (var t = 0; t < 4 * N * N; t++)
        {
            var cell = ((t / (2 * N)) % N) * N + (t % (2 * N)) % N;
            foldedTwice[t] = folded[cell];
            weightTwice[t] = weight[cell];
        }
        var scores = work.Scores;
        var at = layout.PilotOffsetsInTwice;
        var pilotSigns = layout.PilotSigns;
        for (var dy = 0; dy < N; dy++)
            for (var dx = 0; dx < N; dx++)
            {
                double c = 0, v = 0;
                var shift = dy * 2 * N + dx;
                for (var p = 0; p < at.Length; p++)
                {
                    var t = at[p] + shift;
                    c += pilotSigns[p] * foldedTwice[t];
                    v += weightTwice[t];
                }
                scores[dy * N + dx] = v > 0 ? c / Math.Sqrt(v) : 0;
            }

        // Peak-to-sidelobe: how far the best shift stands out from the other 1023, in their own standard deviations.
        var best = 0;
        double mean = 0;
        for (var t = 0; t < N * N; t++)
        {
            mean += scores[t];
            if (scores[t] > scores[best]) best = t;
        }
        mean /= N * N;
        double variance = 0;
        for (var t = 0; t < N * N; t++)
            if (t != best) variance += (scores[t] - mean) * (scores[t] - mean);
        var std = Math.Sqrt(variance / (N * N - 2));
        var score = std > 0 ? (scores[best] - mean) / std : 0;
        return new Hypothesis(score, 0, 1, offsetX, offsetY, best % N, best / N);
    }

    /// <summary>Soft value of each coded bit: Σ over its cells of sign·folded residual, over the square root of their weight.</summary>
    private static double[] ReadSoftBits(Workspace work, WatermarkLayout layout, int shiftX, int shiftY)
    {
        var sum = new double[WatermarkCode.CodedBits];
        var weight = new double[WatermarkCode.CodedBits];
        for (var cell = 0; cell < WatermarkLayout.CellCount; cell++)
        {
            var bit = layout.Role[cell];
            if (bit < 0) continue;
            var t = ((cell / N + shiftY) % N) * N + (cell % N + shiftX) % N;
            sum[bit] += layout.Sign[cell] * work.Folded[t];
            weight[bit] += work.Weight[t];
        }
        for (var b = 0; b < sum.Length; b++) sum[b] = weight[b] > 0 ? sum[b] / Math.Sqrt(weight[b]) : 0;
        return sum;
    }

    private static float Bilinear(float[] image, int width, int height, double x, double y)
    {
        x = Math.Clamp(x - 0.5, 0, width - 1.001);
        y = Math.Clamp(y - 0.5, 0, height - 1.001);
        var ix = (int)x;
        var iy = (int)y;
        var fx = (float)(x - ix);
        var fy = (float)(y - iy);
        var k = iy * width + ix;
        var top = image[k] + (image[k + 1] - image[k]) * fx;
        var bottom = image[k + width] + (image[k + width + 1] - image[k + width]) * fx;
        return top + (bottom - top) * fy;
    }

    private static float[] Blur3(float[] image, int width, int height)
    {
        var horizontal = new float[image.Length];
        for (var y = 0; y < height; y++)
            for (var x = 0; x < width; x++)
            {
                var k = y * width + x;
                var l = x > 0 ? image[k - 1] : image[k];
                var rr = x < width - 1 ? image[k + 1] : image[k];
                horizontal[k] = (l + image[k] + rr) / 3;
            }
        var result = new float[image.Length];
        for (var y = 0; y < height; y++)
            for (var x = 0; x < width; x++)
            {
                var k = y * width + x;
                var u = y > 0 ? horizontal[k - width] : horizontal[k];
                var d = y < height - 1 ? horizontal[k + width] : horizontal[k];
                result[k] = (u + horizontal[k] + d) / 3;
            }
        return result;
    }

    /// <summary>ffmpeg's arguments to decode the analysed span as grey PGM frames of the analysis height.</summary>
    internal static IReadOnlyList<string> BuildArguments(string videoPath, WatermarkDetectorOptions options, int? analysisWidth, PixelBox? crop = null)
    {
        var inv = CultureInfo.InvariantCulture;
        var width = analysisWidth?.ToString(inv) ?? "-2";
        var cropFirst = crop is { } c ? string.Create(inv, $"crop={c.Width}:{c.Height}:{c.X}:{c.Y},") : "";
        // No seek for a span from the start: a raw H.264 or HEVC stream has no index, and ffmpeg seeking
        // in one, even to 0, gives no frames at all.
        string[] seek = options.StartSeconds > 0 ? ["-ss", options.StartSeconds.ToString("0.###", inv)] : [];
        return
        [
            "-hide_banner", "-v", "error", "-nostdin",
            .. seek,
            "-t", options.SecondsToRead.ToString("0.###", inv),
            "-i", videoPath, "-an", "-sn",
            "-vf", $"{cropFirst}scale={width}:{options.AnalysisHeight.ToString(inv)}:flags=area,format=gray",
            "-f", "image2pipe", "-c:v", "pgm", "pipe:1",
        ];
    }

    /// <summary>
    /// Width and height of the first video stream, and the file's duration in seconds, from ffprobe; each null
    /// when ffprobe is missing or does not say.
    /// </summary>
    private static ((int Width, int Height)? Size, double? Seconds) Probe(string videoPath)
    {
        var ffprobe = ExternalTool.Find("ffprobe");
        if (ffprobe is null) return (null, null);
        using var process = ExternalTool.Start(ffprobe,
            ["-v", "error", "-select_streams", "v:0", "-show_entries", "stream=width,height:format=duration", "-of", "default=nw=1", videoPath],
            redirectInput: false);
        _ = process.StandardError.ReadToEndAsync();
        var fields = process.StandardOutput.ReadToEnd().Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
            .Select(line => line.Split('=', 2)).Where(pair => pair.Length == 2)
            .GroupBy(pair => pair[0]).ToDictionary(g => g.Key, g => g.First()[1]);
        process.WaitForExit();
        int? Whole(string name) => fields.TryGetValue(name, out var v) && int.TryParse(v, NumberStyles.Integer, CultureInfo.InvariantCulture, out var n) && n > 0 ? n : null;
        double? seconds = fields.TryGetValue("duration", out var d) && double.TryParse(d, NumberStyles.Float, CultureInfo.InvariantCulture, out var t) && t > 0 ? t : null;
        return (Whole("width") is { } w && Whole("height") is { } h ? (w, h) : null, seconds);
    }

    internal static (float[] Average, int Width, int Height, int Frames) ReadAverage(string videoPath, WatermarkDetectorOptions options,
        int? analysisWidth, PixelBox? crop, CancellationToken cancellationToken)
    {
        var ffmpeg = ExternalTool.RequireFfmpeg();
        using var process = ExternalTool.Start(ffmpeg, BuildArguments(videoPath, options, analysisWidth, crop), redirectInput: false);
        var stderr = process.StandardError.ReadToEndAsync(cancellationToken);
        var stream = new BufferedStream(process.StandardOutput.BaseStream, 1 << 16);
        double[]? sum = null;
        int width = 0, height = 0, frames = 0;
        byte[]? pixels = null;
        try
        {
            while (ReadPgmHeader(stream) is { } size)
            {
                cancellationToken.ThrowIfCancellationRequested();
                if (sum is null)
                {
                    (width, height) = size;
                    sum = new double[width * height];
                    pixels = new byte[width * height];
                }
                else if (size != (width, height))
                {
                    throw new InvalidInputException(videoPath, "changes its frame size mid-stream; watermark detection needs a constant size.");
                }
                stream.ReadExactly(pixels!);
                for (var i = 0; i < pixels!.Length; i++) sum[i] += pixels[i];
                frames++;
            }
        }
        catch (EndOfStreamException)
        {
            // A truncated last frame: use the complete ones.
        }
        finally
        {
            if (!process.HasExited)
            {
                try { process.Kill(); } catch (InvalidOperationException) { }
            }
            process.WaitForExit();
        }
        if (sum is null || frames == 0)
        {
            var message = stderr.IsCompletedSuccessfully ? stderr.Result : "";
            var first = message.Split('\n', StringSplitOptions.RemoveEmptyEntries).FirstOrDefault() ?? "no video frames";
            throw new InvalidInputException(videoPath, $"cannot be decoded as video ({first.Trim()}).");
        }
        var average = new float[sum.Length];
        for (var i = 0; i < sum.Length; i++) average[i] = (float)(sum[i] / frames);
        return (average, width, height, frames);
    }

    /// <summary>Reads "P5 width height 255" and the single whitespace after it; null at the end of the stream.</summary>
    private static (int, int)? ReadPgmHeader(Stream stream)
    {
        var tokens = new List<string>(4);
        var token = new StringBuilder();
        while (tokens.Count < 4)
        {
            var b = stream.ReadByte();
            if (b < 0)
            {
                if (tokens.Count == 0 && token.Length == 0) return null;
                throw new EndOfStreamException();
            }
            if (b is ' ' or '\n' or '\r' or '\t')
            {
                if (token.Length > 0)
                {
                    tokens.Add(token.ToString());
                    token.Clear();
                }
                continue;
            }
            token.Append((char)b);
        }
        if (tokens[0] != "P5" || tokens[3] != "255") throw new EndOfStreamException();
        return (int.Parse(tokens[1], CultureInfo.InvariantCulture), int.Parse(tokens[2], CultureInfo.InvariantCulture));
    }
}
