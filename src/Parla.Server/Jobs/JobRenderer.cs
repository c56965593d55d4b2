using Parla.Face;
using Parla.Media;
using Parla.Pipeline;
using Parla.Provenance;

namespace Parla.Server.Jobs;

/// <summary>Everything a renderer needs for one job, with full paths inside the job's folder.</summary>
public sealed record RenderWork(
    string Id, string ImagePath, string AudioPath, string? LandmarksPath, JobOptions Options, string Consent,
    string VideoPath, string ManifestPath, int RenderThreads);

/// <summary>Turns one job's inputs into its video and manifest. Must write both atomically (temporary name, then rename).</summary>
public interface IJobRenderer
{
    /// <summary>Renders the job; what moved the mouth and why, one phrase (<see cref="AnimateResult.Mouth"/>).</summary>
    string Render(RenderWork work, IProgress<PipelineProgress> progress, CancellationToken cancellationToken);
}

/// <summary>
/// The real pipeline (<see cref="Animator"/>): the video with its label and watermark, and the signed
/// provenance manifest, moved to the job's manifest path.
/// </summary>
public sealed class AnimatorJobRenderer(FaceModelStore models) : IJobRenderer
{
    public string Render(RenderWork work, IProgress<PipelineProgress> progress, CancellationToken cancellationToken)
    {
        var options = work.Options.ToAnimateOptions(work.LandmarksPath, work.RenderThreads) with
        {
            Consent = ConsentStatement.Create(work.Consent),
            Label = new LabelOptions { Enabled = work.Options.Label },
        };
        var result = new Animator(models).Run(new AnimateRequest(work.ImagePath, work.AudioPath, work.VideoPath, options), progress, cancellationToken);
        var signed = ProvenanceStamp.ManifestPathFor(work.VideoPath);
        if (Path.GetFullPath(signed) != Path.GetFullPath(work.ManifestPath))
            File.Move(signed, work.ManifestPath, overwrite: true);
        return result.Mouth;
    }
}
