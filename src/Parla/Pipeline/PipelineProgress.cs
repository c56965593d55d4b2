namespace Parla.Pipeline;

/// <summary>Where a long operation stands: the current stage and, for the render stage, frames done.</summary>
public readonly record struct PipelineProgress(string Stage, int Done, int Total)
{
    public double Fraction => Total <= 0 ? 0 : (double)Done / Total;
}
