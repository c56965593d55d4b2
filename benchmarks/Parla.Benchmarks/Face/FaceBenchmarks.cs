using System.Numerics;
using BenchmarkDotNet.Attributes;
using Parla.Face;
using Parla.Media;

namespace Parla.Benchmarks.Face;

/// <summary>
/// The face stage on one portrait: detector alone, one mesh pass alone, the whole analyzer
/// (detection + two mesh passes), and the crop sampling the models need.
/// Run: dotnet run -c Release --project benchmarks/Parla.Benchmarks -- --filter '*FaceBenchmarks*'
/// </summary>
[MemoryDiagnoser]
public class FaceBenchmarks
{
    private Frame _image = null!;
    private FaceDetector _detector = null!;
    private FaceMeshModel _mesh = null!;
    private FaceAnalyzer _analyzer = null!;
    private FaceRoi _roi;
    private readonly Vector3[] _points = new Vector3[DetectedFace.LandmarkCount];
    private readonly float[] _crop = new float[FaceMeshModel.InputSize * FaceMeshModel.InputSize * 3];

    [GlobalSetup]
    public void Setup()
    {
        var models = new FaceModelStore().EnsureModels();
        _image = ImageLoader.Load(BenchmarkData.Portrait("grace_hopper.jpg"));
        _detector = new FaceDetector(models.DetectorPath);
        _mesh = new FaceMeshModel(models.MeshPath);
        _analyzer = new FaceAnalyzer(models);
        _roi = FaceRoi.FromDetection(_detector.Detect(_image)[0]);
    }

    [GlobalCleanup]
    public void Cleanup()
    {
        _analyzer.Dispose();
        _mesh.Dispose();
        _detector.Dispose();
        _image.Dispose();
    }

    [Benchmark]
    public int Detector() => _detector.Detect(_image).Count;

    [Benchmark]
    public float MeshPass() => _mesh.Run(_image, _roi, _points);

    [Benchmark]
    public int Analyzer() => _analyzer.Detect(_image).Count;

    [Benchmark]
    public void MeshCropSampling() =>
        CropSampler.Sample(_image, _roi.ToCrop(FaceMeshModel.InputSize), FaceMeshModel.InputSize, FaceMeshModel.InputSize, _crop, 1f / 255f, 0f, replicateBorder: true);
}
